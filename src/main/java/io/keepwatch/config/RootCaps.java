package io.keepwatch.config;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Size limits of the whole backup root (the top-level {@code retention} object).
 *
 * @param versionsMaxBytes a cap on the bytes of all old versions together
 * @param deletedMaxBytes a cap on the bytes of all deleted files together
 * @param minFreeBytes the free space to keep on the backup disk
 * @param minFreePercent the free space to keep on the backup disk, in percent of its size
 */
public record RootCaps(OptionalLong versionsMaxBytes, OptionalLong deletedMaxBytes, OptionalLong minFreeBytes,
        OptionalInt minFreePercent) {
    public static final RootCaps NONE = new RootCaps(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(),
            OptionalInt.empty());

    /** The limits as one line (written out: see {@link RetentionConfig#toString}). */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("root limits:");
        versionsMaxBytes.ifPresent(n -> b.append(" versions_max_bytes ").append(n));
        deletedMaxBytes.ifPresent(n -> b.append(" deleted_max_bytes ").append(n));
        minFreeBytes.ifPresent(n -> b.append(" min_free_bytes ").append(n));
        minFreePercent.ifPresent(n -> b.append(" min_free_percent ").append(n));
        return b.toString();
    }

    /** Whether a free-space limit is set. */
    public boolean watchesFreeSpace() {
        return minFreeBytes.isPresent() || minFreePercent.isPresent();
    }

    /** The free bytes to keep on a disk of {@code totalBytes}: the larger of the two limits, 0 when none. */
    public long minFree(long totalBytes) {
        long byPercent = minFreePercent.isPresent() ? totalBytes / 100 * minFreePercent.getAsInt() : 0;
        return Math.max(minFreeBytes.orElse(0), byPercent);
    }
}
