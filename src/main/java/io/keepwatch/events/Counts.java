package io.keepwatch.events;

/**
 * How many files a pass or batch backed up, updated, kept as duplicates, archived as deleted, found unchanged,
 * failed on, and how many old versions or deleted files retention removed; {@code bytes}: the size of the new
 * and updated files copied into the backup. Immutable; summed with {@link #plus}.
 */
public record Counts(int backedUp, int updated, int duplicates, int deleted, int unchanged, int failed, int pruned, long bytes) {
    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0, 0, 0);

    public Counts plus(Counts o) {
        return new Counts(backedUp + o.backedUp, updated + o.updated, duplicates + o.duplicates, deleted + o.deleted,
                unchanged + o.unchanged, failed + o.failed, pruned + o.pruned, bytes + o.bytes);
    }

    /** Only files found unchanged (the fast path of {@code once} that reads no state). */
    public static Counts unchangedOnly(int unchanged) {
        return new Counts(0, 0, 0, 0, unchanged, 0, 0, 0);
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
