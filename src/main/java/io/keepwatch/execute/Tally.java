package io.keepwatch.execute;

import io.keepwatch.events.Counts;
import io.keepwatch.plan.Action;

/**
 * Counts being made: how many actions of each kind a batch or pass performed so far, on one thread. What a batch
 * or pass reports is the immutable {@link Counts} of {@link #counts()}.
 */
public final class Tally {
    public int backedUp;
    public int updated;
    public int duplicates;
    public int deleted;
    public int unchanged;
    public int failed;
    public int pruned;
    public long bytes;

    void count(Action a) {
        if (a instanceof Action.Backup b) {
            backedUp++;
            bytes += b.facts().size();
        } else if (a instanceof Action.Update u) {
            updated++;
            bytes += u.facts().size();
        } else if (a instanceof Action.Duplicate) {
            duplicates++;
        } else if (a instanceof Action.Delete) {
            deleted++;
        } else if (a instanceof Action.Refresh) {
            unchanged++;
        } else if (a instanceof Action.PruneVersion || a instanceof Action.PruneDeleted) {
            pruned++;
        } else {
            throw new IllegalArgumentException("an action of a kind not counted: " + a);
        }
    }

    static String kind(Action a) {
        if (a instanceof Action.Backup) {
            return "BACKUP";
        } else if (a instanceof Action.Update) {
            return "UPDATE";
        } else if (a instanceof Action.Duplicate) {
            return "DUPLICATE";
        } else if (a instanceof Action.Delete) {
            return "ARCHIVE DELETE";
        } else if (a instanceof Action.Refresh) {
            return "REFRESH";
        } else {
            return "RETENTION delete";
        }
    }

    public void add(Counts o) {
        backedUp += o.backedUp();
        updated += o.updated();
        duplicates += o.duplicates();
        deleted += o.deleted();
        unchanged += o.unchanged();
        failed += o.failed();
        pruned += o.pruned();
        bytes += o.bytes();
    }

    public Counts counts() {
        return new Counts(backedUp, updated, duplicates, deleted, unchanged, failed, pruned, bytes);
    }
}
