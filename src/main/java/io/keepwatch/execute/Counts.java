package io.keepwatch.execute;

import io.keepwatch.plan.Action;

/** How many actions of each kind a batch or pass performed; summed over batches into a pass summary. */
public final class Counts {
    public int backedUp;
    public int updated;
    public int duplicates;
    public int deleted;
    public int unchanged;
    public int failed;
    public int pruned;

    void count(Action a) {
        if (a instanceof Action.Backup) {
            backedUp++;
        } else if (a instanceof Action.Update) {
            updated++;
        } else if (a instanceof Action.Duplicate) {
            duplicates++;
        } else if (a instanceof Action.Delete) {
            deleted++;
        } else if (a instanceof Action.Refresh) {
            unchanged++;
        } else {
            pruned++;
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
        backedUp += o.backedUp;
        updated += o.updated;
        duplicates += o.duplicates;
        deleted += o.deleted;
        unchanged += o.unchanged;
        failed += o.failed;
        pruned += o.pruned;
    }

    /** Whether anything in the backup root or the state changed. */
    public boolean changedAnything() {
        return backedUp + updated + duplicates + deleted + pruned > 0;
    }

    /** The summary line's counts: {@code 3 backed up, 1 updated, 1 duplicate, 0 deleted, 2 unchanged, 0 failed}. */
    public String summary() {
        return backedUp + " backed up, " + updated + " updated, " + duplicates + (duplicates == 1 ? " duplicate, " : " duplicates, ")
                + deleted + " deleted, " + unchanged + " unchanged, " + failed + " failed";
    }
}
