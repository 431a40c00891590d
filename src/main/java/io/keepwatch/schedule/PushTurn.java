package io.keepwatch.schedule;

import io.keepwatch.events.Outcome;
import io.keepwatch.replicate.Replicator;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One push at a time into the service's repository, between its replicator and its scheduled push (both push into
 * the config file's repository; two pushes at once would meet the repository's lock, and the second would fail with
 * "locked"). A scheduled push that comes while the replicator pushes is SKIPPED (the replicator is bringing the
 * repository up to date anyway; nothing is told); a replicator push that comes while a scheduled push runs waits for
 * it, on the replicator's own thread, and then finds little or nothing left to push.
 */
public final class PushTurn {
    static final String SKIPPED = "the replicator is pushing into the repository now: this push is left to it";

    private final ReentrantLock lock = new ReentrantLock();

    /** {@code target}, its pushes taking the turn (waiting for a scheduled push in progress to end). */
    public Replicator.Target replicator(Replicator.Target target) {
        return new Replicator.Target() {
            @Override
            public Optional<String> stateOnDisk() throws IOException {
                return target.stateOnDisk();
            }

            @Override
            public Replicator.Pushed push(boolean quietRetries) throws Exception {
                lock.lock();
                try {
                    return target.push(quietRetries);
                } finally {
                    lock.unlock();
                }
            }

            @Override
            public String describe() {
                return target.describe();
            }
        };
    }

    /** The scheduled {@code push}, run if the replicator is not pushing, else SKIPPED. */
    public Scheduler.Task scheduled(Scheduler.Task push) {
        return () -> {
            if (!lock.tryLock()) {
                return new Scheduler.Result(Outcome.SKIPPED, SKIPPED, List.of());
            }
            try {
                return push.run();
            } finally {
                lock.unlock();
            }
        };
    }
}
