package io.keepwatch.execute;

import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.plan.Action;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts being made: how many actions of each kind a batch or pass performed so far, on one thread. What a batch
 * or pass reports is the immutable {@link Counts} of {@link #counts()}.
 *
 * <p>A failure is recorded only by {@link #fail}, which logs its {@code FAILED:} line, tells the listener and
 * keeps the line: the {@code failed} count is the number of those lines, whatever failed (a file that could not
 * be scanned, read, copied, moved or deleted), and {@link #failures()} holds them for the pass's problems.
 */
public final class Tally {
    private static final Logger log = LoggerFactory.getLogger(Tally.class);

    public int backedUp;
    public int updated;
    public int duplicates;
    public int deleted;
    public int unchanged;
    public int pruned;
    public long bytes;
    private final List<String> failures = new ArrayList<>();

    /** Logs {@code FAILED: <message>}, tells {@code events} of it, and counts it. */
    public void fail(EngineEvent.Failure failure, EngineListener events) {
        log.error("FAILED: {}", failure.message());
        events.on(failure);
        failures.add(failure.message());
    }

    /** The FAILED lines so far (without {@code FAILED: }), in the order they were logged. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    void count(Action a) {
        a.accept(counter);
    }

    /** Which count each kind of action adds to. */
    private final Action.Visitor<Void, RuntimeException> counter = new Action.Visitor<>() {
        @Override
        public Void backup(Action.Backup a) {
            backedUp++;
            bytes += a.facts().size();
            return null;
        }

        @Override
        public Void update(Action.Update a) {
            updated++;
            bytes += a.facts().size();
            return null;
        }

        @Override
        public Void duplicate(Action.Duplicate a) {
            duplicates++;
            return null;
        }

        @Override
        public Void refresh(Action.Refresh a) {
            unchanged++;
            return null;
        }

        @Override
        public Void delete(Action.Delete a) {
            deleted++;
            return null;
        }

        @Override
        public Void pruneVersion(Action.PruneVersion a) {
            pruned++;
            return null;
        }

        @Override
        public Void pruneDeleted(Action.PruneDeleted a) {
            pruned++;
            return null;
        }
    };

    /** Adds what {@code o} counted, its FAILED lines included (already logged: not again). */
    public void add(Tally o) {
        backedUp += o.backedUp;
        updated += o.updated;
        duplicates += o.duplicates;
        deleted += o.deleted;
        unchanged += o.unchanged;
        pruned += o.pruned;
        bytes += o.bytes;
        failures.addAll(o.failures);
    }

    public Counts counts() {
        return new Counts(backedUp, updated, duplicates, deleted, unchanged, failures.size(), pruned, bytes);
    }
}
