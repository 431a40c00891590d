package io.keepwatch.retention;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.RootCaps;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The size caps over the verdicts of the keep rules: {@code versions_max_bytes} and {@code deleted_max_bytes} of
 * each source, then of the whole root, then the free space to keep on the backup disk. Each removes what the rules
 * kept, oldest first (by archive or deletion time), until its limit is met, but never the newest old version of a
 * path (nor, as no verdict covers them, current copies). A limit that cannot be met is a warning, never a failure.
 */
public final class SizeCaps {
    private SizeCaps() {
    }

    /** The backup disk: its free and total bytes. */
    public record Disk(long freeBytes, long totalBytes) {
    }

    /** The bytes of one source's old versions and of its deleted files, as the caps count them. */
    public record Held(long versionBytes, long deletedBytes) {
    }

    /**
     * Whether no cap would remove anything from sources holding {@code held}: no source over its own caps, the root
     * not over its caps, and the disk ({@code disk}, given when a free-space limit is set) with the free space asked.
     * The same limits as {@link #apply} applies, on totals instead of verdicts (a limit exactly met is within).
     */
    static boolean within(Map<String, Held> held, Function<String, RetentionConfig> policyOf, RootCaps caps, Optional<Disk> disk) {
        long versionBytes = 0;
        long deletedBytes = 0;
        for (Map.Entry<String, Held> s : held.entrySet()) {
            RetentionConfig p = policyOf.apply(s.getKey());
            Held h = s.getValue();
            if (over(h.versionBytes(), p.versionsMaxBytes()) > 0 || over(h.deletedBytes(), p.deletedMaxBytes()) > 0) {
                return false;
            }
            versionBytes += h.versionBytes();
            deletedBytes += h.deletedBytes();
        }
        return over(versionBytes, caps.versionsMaxBytes()) <= 0 && over(deletedBytes, caps.deletedMaxBytes()) <= 0
                && disk.map(d -> missingFree(caps, d) <= 0).orElse(true);
    }

    /** By how many bytes {@code bytes} pass {@code limit}; zero or less when within it (or there is none). */
    private static long over(long bytes, OptionalLong limit) {
        return limit.isEmpty() ? Long.MIN_VALUE : bytes - limit.getAsLong();
    }

    /** How many more bytes must be free on {@code disk} to meet the free-space limit; zero or less when met. */
    private static long missingFree(RootCaps caps, Disk disk) {
        return caps.watchesFreeSpace() ? caps.minFree(disk.totalBytes()) - disk.freeBytes() : Long.MIN_VALUE;
    }

    static RetentionPlan apply(Map<String, List<Verdict>> bySource, Function<String, RetentionConfig> policyOf, RootCaps caps,
            Optional<Disk> disk) {
        List<String> warnings = new ArrayList<>();
        List<Verdict> all = new ArrayList<>();
        for (Map.Entry<String, List<Verdict>> s : bySource.entrySet()) {
            List<Verdict> verdicts = new ArrayList<>(s.getValue());
            RetentionConfig p = policyOf.apply(s.getKey());
            String where = "source " + s.getKey();
            cap(verdicts, isVersion(), p.versionsMaxBytes(), "versions_max_bytes of " + where, "old versions of " + where, warnings);
            cap(verdicts, isVersion().negate(), p.deletedMaxBytes(), "deleted_max_bytes of " + where, "deleted files of " + where,
                    warnings);
            all.addAll(verdicts);
        }
        cap(all, isVersion(), caps.versionsMaxBytes(), "versions_max_bytes", "old versions", warnings);
        cap(all, isVersion().negate(), caps.deletedMaxBytes(), "deleted_max_bytes", "deleted files", warnings);
        if (disk.isPresent() && caps.watchesFreeSpace()) {
            long wanted = caps.minFree(disk.get().totalBytes());
            long missing = missingFree(caps, disk.get());
            if (missing > 0) {
                long freed = all.stream().filter(v -> !v.keep()).mapToLong(v -> v.item().size()).sum();
                String limit = caps.minFreePercent().isPresent() && wanted > caps.minFreeBytes().orElse(0)
                        ? "min_free_percent (" + caps.minFreePercent().getAsInt() + "%)" : "min_free_bytes";
                long left = trim(all, v -> true, missing - freed, "less free space than " + limit + " on the backup disk");
                if (left > 0) {
                    warnings.add("The backup disk has " + Bytes.format(disk.get().freeBytes()) + " free, less than the "
                            + Bytes.format(wanted) + " of " + limit + ", and retention can free only " + Bytes.format(missing - left)
                            + " of it: what is left is the newest version of each file and the current copies, which no limit removes");
                }
            }
        }
        return new RetentionPlan(all, warnings);
    }

    private static Predicate<Verdict> isVersion() {
        return v -> v.item() instanceof Verdict.Version;
    }

    private static void cap(List<Verdict> verdicts, Predicate<Verdict> scope, OptionalLong limit, String limitName, String what,
            List<String> warnings) {
        if (limit.isEmpty()) {
            return;
        }
        long kept = verdicts.stream().filter(scope).filter(Verdict::keep).mapToLong(v -> v.item().size()).sum();
        long over = over(kept, limit);
        if (over <= 0) {
            return;
        }
        long left = trim(verdicts, scope, over, "over " + limitName + " (" + Bytes.format(limit.getAsLong()) + ")");
        if (left > 0) {
            warnings.add("The " + what + " take " + Bytes.format(limit.getAsLong() + left) + ", more than the "
                    + Bytes.format(limit.getAsLong()) + " of " + limitName + ": what is left is the newest version of each file, "
                    + "which no limit removes");
        }
    }

    /** Removes cappable verdicts in scope, oldest first, until {@code bytes} are freed; the bytes still missing. */
    private static long trim(List<Verdict> verdicts, Predicate<Verdict> scope, long bytes, String why) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < verdicts.size(); i++) {
            if (verdicts.get(i).cappable() && scope.test(verdicts.get(i))) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparing((Integer i) -> verdicts.get(i).item().time()));
        long missing = bytes;
        for (int i : order) {
            if (missing <= 0) {
                break;
            }
            verdicts.set(i, verdicts.get(i).removed(why));
            missing -= verdicts.get(i).item().size();
        }
        return Math.max(0, missing);
    }
}
