package io.keepwatch.retention;

import io.keepwatch.config.Durations;
import io.keepwatch.config.KeepRules;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.RootCaps;
import io.keepwatch.plan.Action;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Which old versions and deleted files to keep, and why: the one owner of the retention rules. Pure: a path's
 * history, the policy, the time zone of its calendar rules and the current time in; a {@link Verdict} per item out.
 *
 * <ul>
 *   <li>A version is kept if any keep rule keeps it ({@link KeepRules}: last, hourly ... yearly, within,
 *       staggered), as restic's {@code forget} does; the newest old version of a path is always kept;</li>
 *   <li>{@code max_version_age_days} removes versions archived longer ago, whatever keeps them, but never the
 *       newest; a version exactly at the limit is kept;</li>
 *   <li>deleted files whose deletion is more than {@code deleted_keep_days} ago are removed.</li>
 * </ul>
 * {@link #plan} adds the size caps over many sources ({@link SizeCaps}). The no-change fast path and the metadata
 * index ask {@link #nextRemoval(Iterable, RetentionConfig, ZoneId, Instant)} and {@link #withinCaps} instead of
 * restating any of this.
 */
public final class RetentionPolicy {
    private RetentionPolicy() {
    }

    /** The verdict on every old version (oldest first) and deleted file of one path. */
    public static List<Verdict> decide(FileRef ref, PathHistory history, RetentionConfig policy, ZoneId zone, Instant now) {
        List<Verdict> out = new ArrayList<>(history.versions().size() + history.deletions().size());
        if (!history.versions().isEmpty()) {
            decideVersions(ref, history.versions(), policy, zone, now, out);
        }
        policyOnDeleted(ref, history.deletions(), policy, now, out);
        return out;
    }

    /** The removals {@link #decide} makes for one path, as actions for the executor. */
    public static List<Action> apply(FileRef ref, PathHistory history, RetentionConfig policy, ZoneId zone, Instant now) {
        List<Action> out = new ArrayList<>();
        for (Verdict v : decide(ref, history, policy, zone, now)) {
            if (!v.keep()) {
                out.add(v.toAction());
            }
        }
        return out;
    }

    /**
     * Everything retention decides over many sources at once, size caps and free space included.
     *
     * @param histories per source, per path, the history to judge
     * @param policyOf the policy of a source
     * @param caps the size limits of the whole root
     * @param disk the backup disk's space now, when a free-space limit is to be checked
     * @param local the zone of policies that name none
     */
    public static RetentionPlan plan(Map<String, Map<String, PathHistory>> histories, Function<String, RetentionConfig> policyOf,
            RootCaps caps, Optional<SizeCaps.Disk> disk, ZoneId local, Instant now) {
        Map<String, List<Verdict>> bySource = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, PathHistory>> s : histories.entrySet()) {
            RetentionConfig policy = policyOf.apply(s.getKey());
            ZoneId zone = policy.zoneOr(local);
            List<Verdict> verdicts = new ArrayList<>();
            s.getValue().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                    verdicts.addAll(decide(new FileRef(s.getKey(), e.getKey()), e.getValue(), policy, zone, now)));
            bySource.put(s.getKey(), verdicts);
        }
        return SizeCaps.apply(bySource, policyOf, caps, disk);
    }

    /**
     * The earliest instant at which this policy could remove something of this path as it is, with no new version
     * or deletion: {@code now} when it removes something already, {@link Instant#MAX} when time alone never makes it
     * remove anything (count and calendar rules do not change as time passes; within, staggered, the age limit and
     * deleted_keep_days do). Exact but for a path whose staggered outlook needs more than 16 looks ahead: then the
     * 16th instant looked at, which is early, never late.
     */
    public static Instant nextRemoval(PathHistory history, RetentionConfig policy, ZoneId zone, Instant now) {
        FileRef ref = new FileRef("", "");
        for (Verdict v : decide(ref, history, policy, zone, now)) {
            if (!v.keep()) {
                return now;
            }
        }
        Instant next = Instant.MAX;
        Optional<Duration> deletedKeep = policy.deletedKeep();
        if (deletedKeep.isPresent()) {
            for (DeletionRecord d : history.deletions()) {
                next = min(next, d.deletedAt().plus(deletedKeep.get()).plusNanos(1));
            }
        }
        TreeSet<Instant> flips = versionFlips(history.versions(), policy, now);
        int looks = 0;
        for (Instant t : flips) {
            if (!t.isBefore(next)) {
                break;
            }
            if (++looks > 16) {
                return t;
            }
            List<Verdict> at = new ArrayList<>();
            decideVersions(ref, history.versions(), policy, zone, t, at);
            if (at.stream().anyMatch(v -> !v.keep())) {
                return t;
            }
        }
        return next;
    }

    /**
     * The earliest instant at which this policy could remove something of a source whose paths have these histories,
     * with no new version or deletion: the earliest {@link #nextRemoval(PathHistory, RetentionConfig, ZoneId, Instant)}
     * of them; {@link Instant#MAX} when there is none.
     */
    public static Instant nextRemoval(Iterable<PathHistory> histories, RetentionConfig policy, ZoneId zone, Instant now) {
        Instant next = Instant.MAX;
        for (PathHistory h : histories) {
            if (!h.versions().isEmpty() || !h.deletions().isEmpty()) {
                next = min(next, nextRemoval(h, policy, zone, now));
            }
        }
        return next;
    }

    /**
     * Whether no size cap would remove anything from sources that hold {@code held} (per source, the bytes of its old
     * versions and deleted files, all kept by the rules): the caps {@link #plan} applies, asked of totals.
     */
    public static boolean withinCaps(Map<String, SizeCaps.Held> held, Function<String, RetentionConfig> policyOf, RootCaps caps,
            Optional<SizeCaps.Disk> disk) {
        return SizeCaps.within(held, policyOf, caps, disk);
    }

    /** The instants after now at which the time-bound rules could change their mind about a version. */
    private static TreeSet<Instant> versionFlips(List<VersionRecord> versions, RetentionConfig policy, Instant now) {
        TreeSet<Instant> out = new TreeSet<>();
        KeepRules keep = policy.keep();
        if (versions.size() < 2 || (!keep.dependsOnTime() && policy.maxVersionAge().isEmpty())) {
            return out; // the newest version is always kept
        }
        for (VersionRecord v : versions) {
            Instant a = v.archivedAt();
            policy.maxVersionAge().ifPresent(d -> out.add(a.plus(d).plusNanos(1)));
            keep.within().ifPresent(d -> out.add(a.plus(d).plusNanos(1)));
            keep.staggered().ifPresent(max -> {
                for (long edge : Staggered.edges()) {
                    out.add(a.plusSeconds(edge));
                }
                if (!max.isZero()) {
                    out.add(a.plus(max).plusSeconds(1));
                }
            });
        }
        return new TreeSet<>(out.tailSet(now, false));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static void decideVersions(FileRef ref, List<VersionRecord> versions, RetentionConfig policy, ZoneId zone,
            Instant now, List<Verdict> out) {
        KeepRules keep = policy.keep();
        List<VersionRecord> newestFirst = versions.stream().sorted(Comparator.comparingInt(VersionRecord::n).reversed()).toList();
        Map<Integer, List<String>> reasons = new LinkedHashMap<>();
        for (int i = 0; i < Math.min(keep.last(), newestFirst.size()); i++) {
            because(reasons, newestFirst.get(i), "last " + keep.last());
        }
        int[] counts = {keep.hourly(), keep.daily(), keep.weekly(), keep.monthly(), keep.yearly()};
        CalendarBucket[] buckets = CalendarBucket.values();
        for (int b = 0; b < buckets.length; b++) {
            if (counts[b] == 0) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (VersionRecord v : newestFirst) {
                if (seen.size() == counts[b]) {
                    break;
                }
                String label = buckets[b].label(v.archivedAt(), zone);
                if (seen.add(label)) {
                    because(reasons, v, buckets[b].rule + " " + label);
                }
            }
        }
        keep.within().ifPresent(d -> {
            Instant cutoff = now.minus(d);
            for (VersionRecord v : newestFirst) {
                if (!v.archivedAt().isBefore(cutoff)) {
                    because(reasons, v, "within " + Durations.format(d));
                }
            }
        });
        keep.staggered().ifPresent(max -> Staggered.keep(versions.stream().sorted(Comparator.comparingInt(VersionRecord::n)).toList(), max, now)
                .forEach((n, why) -> reasons.computeIfAbsent(n, k -> new ArrayList<>()).add(why)));
        Optional<Instant> ageCutoff = policy.maxVersionAge().map(now::minus);
        int newest = newestFirst.get(0).n();
        String unkept = keep.isLastOnly() ? "more than " + keep.last() + " versions" : "kept by no rule (" + keep + ")";
        for (VersionRecord v : versions) {
            boolean isNewest = v.n() == newest;
            Verdict.Version item = new Verdict.Version(v, isNewest);
            List<String> why = reasons.get(v.n());
            if (isNewest) {
                out.add(new Verdict(ref, item, true, why == null ? "newest version" : String.join(", ", why)));
            } else if (ageCutoff.isPresent() && v.archivedAt().isBefore(ageCutoff.get())) {
                out.add(new Verdict(ref, item, false, "archived more than " + policy.maxVersionAge().get().toDays() + " days ago"));
            } else if (why != null) {
                out.add(new Verdict(ref, item, true, String.join(", ", why)));
            } else {
                out.add(new Verdict(ref, item, false, unkept));
            }
        }
    }

    private static void because(Map<Integer, List<String>> reasons, VersionRecord v, String why) {
        reasons.computeIfAbsent(v.n(), k -> new ArrayList<>()).add(why);
    }

    private static void policyOnDeleted(FileRef ref, List<DeletionRecord> deletions, RetentionConfig policy, Instant now,
            List<Verdict> out) {
        for (DeletionRecord d : deletions) {
            Verdict.Deleted item = new Verdict.Deleted(d);
            if (policy.deletedKeep().isEmpty()) {
                out.add(new Verdict(ref, item, true, "deleted files are kept forever"));
            } else {
                long days = policy.deletedKeep().get().toDays();
                boolean expired = d.deletedAt().isBefore(now.minus(policy.deletedKeep().get()));
                out.add(new Verdict(ref, item, !expired, expired ? "deleted more than " + days + " days ago" : "deleted_keep_days " + days));
            }
        }
    }
}
