package io.keepwatch.retention;

import io.keepwatch.state.VersionRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Syncthing's staggered versioning as a keep rule: one version per 30 seconds for the first hour, one per hour for
 * the first day, one per day for the first 30 days, one per week up to the maximum age. As Syncthing does, the
 * versions are walked oldest first; the oldest within the maximum age is kept, and each later one is kept when it
 * is at least its interval's step newer than the last one kept. Ages are whole seconds; a version of age A is in
 * the first interval whose end is greater than A (so a version exactly 30 days old is in the weekly interval),
 * and a version older than the maximum age (A greater than it) is not kept. Syncthing ended the daily interval at
 * 592,000 s (6.9 days) for years (its issue 6410); this uses 30 days.
 */
final class Staggered {
    /** (step, end) in seconds; the last interval ends at the maximum age. */
    static final long[][] INTERVALS = {{30, 3600}, {3600, 86_400}, {86_400, 30 * 86_400L}};
    static final long WEEK = 7 * 86_400L;

    private Staggered() {
    }

    /** Instants after {@code archivedAt} at which a version's interval changes (its age reaches an interval's end). */
    static long[] edges() {
        return new long[] {INTERVALS[0][1], INTERVALS[1][1], INTERVALS[2][1]};
    }

    /** The versions the preset keeps, each with its reason ("staggered 1d"); {@code oldestFirst} by version number. */
    static Map<Integer, String> keep(List<VersionRecord> oldestFirst, Duration maxAge, Instant now) {
        Map<Integer, String> kept = new HashMap<>();
        long max = maxAge.getSeconds();
        boolean first = true;
        long prevAge = 0;
        for (VersionRecord v : oldestFirst) {
            long age = Duration.between(v.archivedAt(), now).getSeconds();
            if (max > 0 && age > max) {
                continue;
            }
            long step = WEEK;
            for (long[] interval : INTERVALS) {
                if (age < interval[1]) {
                    step = interval[0];
                    break;
                }
            }
            if (first) {
                first = false;
            } else if (prevAge - age < step) {
                continue;
            }
            prevAge = age;
            kept.put(v.n(), "staggered " + stepName(step));
        }
        return kept;
    }

    private static String stepName(long step) {
        return step == 30 ? "30s" : step == 3600 ? "1h" : step == 86_400 ? "1d" : "1w";
    }
}
