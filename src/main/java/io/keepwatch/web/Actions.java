package io.keepwatch.web;

import io.keepwatch.fs.RealFs;
import io.keepwatch.guard.AcceptRequests;
import io.keepwatch.events.Outcome;
import io.keepwatch.schedule.Jobs;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the page's token holder may ask the service to do: a full pass of every source (the same as a rescan signal),
 * releasing the deletions the deletion guard holds in a source (the request file {@code keepwatch accept-deletions}
 * writes), and a verify of the whole backup on a thread of its own (the scheduled verify's job, one at a time; its result is logged and shown in
 * the recent actions). The full pass is asked of the service through a {@code Consumer} of the reason to log. Each is logged with what asked for it. None of them waits for the engine.
 */
final class Actions implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Actions.class);

    private final BackupLayout layout;
    private final Clock clock;
    private final LiveView live;
    private final Supplier<Optional<Consumer<String>>> fullPass;
    private final ExecutorService verifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "keepwatch-web-verify");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });
    private final AtomicBoolean verifying = new AtomicBoolean();

    Actions(BackupLayout layout, Clock clock, LiveView live, Supplier<Optional<Consumer<String>>> fullPass) {
        this.layout = layout;
        this.clock = clock;
        this.live = live;
        this.fullPass = fullPass;
    }

    /** Asks for a full pass of every source; false when there is no service to ask. */
    boolean fullPass() {
        Optional<Consumer<String>> pass = fullPass.get();
        if (pass.isEmpty()) {
            return false;
        }
        String line = "Full pass of every source asked for on the status page";
        log.info(line);
        live.note(clock.instant(), "INFO", line);
        pass.get().accept("asked for on the status page");
        return true;
    }

    /** Asks the service to make the deletions its deletion guard holds in {@code source}. */
    void acceptDeletions(String source) throws IOException {
        new AcceptRequests(layout, RealFs.forFileSystem(layout.root().getFileSystem())).request(source, clock.instant());
        String line = "Release of the deletions held in " + source + " asked for on the status page";
        log.info(line);
        live.note(clock.instant(), "WARN", line);
    }

    /** Starts a verify of the whole backup; false when one is running already. */
    boolean verify() {
        if (!verifying.compareAndSet(false, true)) {
            return false;
        }
        live.note(clock.instant(), "INFO", "VERIFY started (asked for on the status page)");
        verifier.execute(() -> {
            try {
                String line = verifyNow();
                live.note(clock.instant(), line.contains("NOT intact") ? "WARN" : "INFO", line);
            } catch (Exception e) {
                String line = "VERIFY could not run: " + e.getMessage();
                log.error(line);
                live.note(clock.instant(), "ERROR", line);
            } finally {
                verifying.set(false);
            }
        });
        return true;
    }

    boolean verifying() {
        return verifying.get();
    }

    /** The scheduled verify's job ({@link Jobs#verify}: one thread, a second run when state.json changed meanwhile). */
    private String verifyNow() throws Exception {
        Scheduler.Result r = Jobs.verify(layout, RealFs.forFileSystem(layout.root().getFileSystem()), clock).run();
        String line = "VERIFY: " + r.summary();
        if (r.outcome() == Outcome.OK) {
            log.info(line);
        } else {
            log.warn(line);
            r.problems().stream().limit(20).forEach(p -> log.warn("VERIFY: {}", p));
        }
        return line;
    }

    @Override
    public void close() {
        verifier.shutdownNow();
    }
}
