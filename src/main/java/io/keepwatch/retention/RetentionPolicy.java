package io.keepwatch.retention;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.plan.Action;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which old versions and deleted files to remove: a pure function of a path's history, the rules and the
 * current time.
 *
 * <ul>
 *   <li>Per path, the newest {@code max_versions_per_file} versions are kept (newest by version number);</li>
 *   <li>versions archived more than {@code max_version_age_days} ago are removed, except the newest
 *       version of the path, which age never removes;</li>
 *   <li>deleted files whose deletion is more than {@code deleted_keep_days} ago are removed.</li>
 * </ul>
 * A version picked by both rules is removed once. A version exactly at the age limit is kept.
 */
public final class RetentionPolicy {
    private RetentionPolicy() {
    }

    public static List<Action> apply(FileRef ref, PathHistory history, RetentionConfig rules, Instant now) {
        List<Action> out = new ArrayList<>();
        List<VersionRecord> newestFirst = history.versions().stream()
                .sorted(Comparator.comparingInt(VersionRecord::n).reversed()).toList();
        Map<Integer, String> remove = new LinkedHashMap<>();
        for (int i = rules.maxVersionsPerFile(); i < newestFirst.size(); i++) {
            remove.put(newestFirst.get(i).n(), "more than " + rules.maxVersionsPerFile() + " versions");
        }
        rules.maxVersionAge().ifPresent(maxAge -> {
            Instant cutoff = now.minus(maxAge);
            for (int i = 1; i < newestFirst.size(); i++) {
                VersionRecord v = newestFirst.get(i);
                if (v.archivedAt().isBefore(cutoff)) {
                    remove.putIfAbsent(v.n(), "archived more than " + maxAge.toDays() + " days ago");
                }
            }
        });
        for (VersionRecord v : history.versions()) {
            String reason = remove.get(v.n());
            if (reason != null) {
                out.add(new Action.PruneVersion(ref, v, reason));
            }
        }
        rules.deletedKeep().ifPresent(keep -> {
            Instant cutoff = now.minus(keep);
            for (DeletionRecord d : history.deletions()) {
                if (d.deletedAt().isBefore(cutoff)) {
                    out.add(new Action.PruneDeleted(ref, d, "deleted more than " + keep.toDays() + " days ago"));
                }
            }
        });
        return out;
    }

    /** Retention over many paths of one source. */
    public static List<Action> apply(String source, Map<String, PathHistory> histories, RetentionConfig rules, Instant now) {
        List<Action> out = new ArrayList<>();
        histories.keySet().stream().sorted().forEach(rel ->
                out.addAll(apply(new FileRef(source, rel), histories.get(rel), rules, now)));
        return out;
    }
}
