package io.keepwatch.engine;

import io.keepwatch.config.Config;
import java.time.Duration;

/**
 * When the {@link StateCommitter} makes the state durable.
 *
 * @param flushInterval while the service watches, changes are made durable at most this often ({@code
 *     watch.state_flush_ms}); a crash in between is recovered from the journal
 * @param passActions a full pass commits once this many actions are journaled since its last commit (and at its end)
 */
public record CommitPolicy(Duration flushInterval, int passActions) {
    /**
     * A full pass commits once this many actions are journaled since its last commit: each chunk is in the journal
     * before it touches the backup, so committing after every chunk would only write a growing state over and over.
     */
    public static final int PASS_ACTIONS = 50_000;

    public CommitPolicy {
        if (flushInterval.isNegative() || passActions < 1) {
            throw new IllegalArgumentException("flushInterval must be >= 0 and passActions >= 1");
        }
    }

    /** The policy a configuration asks for. */
    public static CommitPolicy of(Config config) {
        return new CommitPolicy(config.watch().stateFlush(), PASS_ACTIONS);
    }

    public CommitPolicy withPassActions(int n) {
        return new CommitPolicy(flushInterval, n);
    }
}
