package io.keepwatch.engine;

import io.keepwatch.config.Config;
import java.time.Duration;

/**
 * When the {@link StateCommitter} makes the state durable, and how.
 *
 * @param flushInterval while the service watches, changes are made durable at most this often ({@code
 *     watch.state_flush_ms}); a crash in between is recovered from the journal
 * @param passActions a full pass commits once at least this many actions are journaled since its last commit (and at
 *     its end; a first backup only at its end); see {@link #passCommitDue} for how far apart its commits are
 * @param rewritePercent state.json is written whole once the change log holds more than this share of its size
 *     ({@code watch.state_rewrite_percent}); until then a commit appends the changes to the log
 * @param rewriteInterval state.json is written whole at least this often while changes come in
 *     ({@code watch.state_rewrite_minutes})
 */
public record CommitPolicy(Duration flushInterval, int passActions, int rewritePercent, Duration rewriteInterval) {
    /**
     * A full pass commits once this many actions are journaled since its last commit: each chunk is in the journal
     * before it touches the backup, so committing after every chunk would only make many small commits.
     */
    public static final int PASS_ACTIONS = 50_000;
    /**
     * A full pass's commits are at most this many times {@link #passActions} apart, which bounds the journal a crash
     * leaves to recover from (400,000 actions by default); a first backup's journal is bounded by the backup itself.
     */
    static final int MAX_STEP_FACTOR = 8;

    public CommitPolicy {
        if (flushInterval.isNegative() || passActions < 1 || rewritePercent < 1 || rewriteInterval.isNegative() || rewriteInterval.isZero()) {
            throw new IllegalArgumentException("flushInterval must be >= 0, passActions and rewritePercent >= 1, "
                    + "rewriteInterval > 0");
        }
    }

    /** The policy a configuration asks for. */
    public static CommitPolicy of(Config config) {
        return new CommitPolicy(config.watch().stateFlush(), PASS_ACTIONS, config.watch().stateRewritePercent(),
                config.watch().stateRewriteInterval());
    }

    public CommitPolicy withPassActions(int n) {
        return new CommitPolicy(flushInterval, n, rewritePercent, rewriteInterval);
    }

    /**
     * Whether a full pass that journaled {@code actions} actions since its last commit commits now, the state having held
     * {@code recordsAtLastCommit} records at that commit.
     *
     * <p>A first backup (the state held no records) commits once, at its end: its state is all new, so every commit
     * before the end would write state.json whole (its changes are more than {@link #rewritePercent} of it), and the
     * doubling steps below wrote it whole six times on a first backup of a million files (2.55 million records, some
     * 0.75 GB of JSON on the engine's thread, about 13 CPU-s) for one state.json of a million. Nothing is at stake: every
     * batch is in the journal (fsynced) before it touches the backup, so a crash is recovered from the journal, one
     * batch at a time, as a crash before a first backup's first commit always was.
     *
     * <p>Otherwise the steps grow with the state: at least {@link #passActions} actions, and at least as many as the
     * state held (up to {@link #MAX_STEP_FACTOR} times passActions). A commit whose changes pass {@link #rewritePercent}
     * of the records writes state.json whole, and so does a change log grown past that share of its size; by that
     * arithmetic, fixed steps of 50,000 wrote state.json whole many times on a large pass and left a long change log
     * entry for the next start to replay.
     */
    public boolean passCommitDue(long actions, long recordsAtLastCommit) {
        return recordsAtLastCommit > 0
                && actions >= Math.max(passActions, Math.min(recordsAtLastCommit, (long) MAX_STEP_FACTOR * passActions));
    }

    /** Whether a change log of {@code logBytes} beside a state.json of {@code stateBytes} asks for a rewrite. */
    public boolean logTooLarge(long logBytes, long stateBytes) {
        return logBytes * 100 > stateBytes * rewritePercent;
    }

    /** Whether {@code changes} records changed since the last commit are better written whole with {@code records}. */
    public boolean changesTooMany(long changes, long records) {
        return changes * 100 > (records + 1) * rewritePercent;
    }
}
