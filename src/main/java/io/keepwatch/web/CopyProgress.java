package io.keepwatch.web;

import io.keepwatch.engine.Progress;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The engine's progress of its copying phase (bytes of one source's pass or batch), for the page's progress bar. The
 * engine's copy threads call it: each call is an atomic update and nothing more.
 */
final class CopyProgress implements Progress {
    /** The phase in progress: its name and total bytes; {@code done} so far. */
    record Phase(String name, long total, long done) {
    }

    private final AtomicReference<String> phase = new AtomicReference<>();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong done = new AtomicLong();

    @Override
    public void begin(String name, long total) {
        this.total.set(total);
        this.done.set(0);
        this.phase.set(name);
    }

    @Override
    public void advance(long units) {
        done.addAndGet(units);
    }

    @Override
    public void end() {
        phase.set(null);
    }

    Optional<Phase> now() {
        String name = phase.get();
        return name == null ? Optional.empty() : Optional.of(new Phase(name, total.get(), Math.min(done.get(), total.get())));
    }
}
