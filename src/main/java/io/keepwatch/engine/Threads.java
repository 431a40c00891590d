package io.keepwatch.engine;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factories for the engine's pools. */
final class Threads {
    private Threads() {
    }

    /** Daemon threads named {@code name-1}, {@code name-2}, …: a pass that ends never waits for its idle pools. */
    static ThreadFactory named(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
