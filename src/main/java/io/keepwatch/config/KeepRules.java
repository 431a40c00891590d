package io.keepwatch.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which old versions of a path to keep, as restic's {@code forget} rules (a version is kept if any rule keeps it)
 * plus Syncthing's staggered preset. A count of 0 turns a rule off.
 *
 * @param last the newest N versions
 * @param hourly the newest version of each of the N newest hours that hold versions (likewise daily, weekly by ISO
 *     week, monthly, yearly), in the policy's time zone, by archive time
 * @param within every version archived at most this long before now
 * @param staggered Syncthing's staggered intervals, with this maximum age ({@link Duration#ZERO}: no maximum)
 */
public record KeepRules(int last, int hourly, int daily, int weekly, int monthly, int yearly,
        Optional<Duration> within, Optional<Duration> staggered) {

    /** Syncthing's default maximum age of the staggered preset. */
    public static final Duration STAGGERED_MAX_AGE = Duration.ofDays(365);

    public KeepRules {
        if (last < 0 || hourly < 0 || daily < 0 || weekly < 0 || monthly < 0 || yearly < 0) {
            throw new IllegalArgumentException("keep counts cannot be negative");
        }
    }

    /** The old {@code max_versions_per_file}: the newest N versions. */
    public static KeepRules lastOnly(int n) {
        return new KeepRules(n, 0, 0, 0, 0, 0, Optional.empty(), Optional.empty());
    }

    /** Whether only {@code keep_last} is set (the old {@code max_versions_per_file}). */
    public boolean isLastOnly() {
        return hourly == 0 && daily == 0 && weekly == 0 && monthly == 0 && yearly == 0 && within.isEmpty()
                && staggered.isEmpty();
    }

    /** Whether a rule keeps a version for a while after it was archived, so that time alone can make it go. */
    public boolean dependsOnTime() {
        return within.isPresent() || staggered.isPresent();
    }

    /** The rules as config.json writes them, e.g. "keep_last 3, keep_daily 7, keep_within 7d". */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        add(parts, "keep_last", last);
        add(parts, "keep_hourly", hourly);
        add(parts, "keep_daily", daily);
        add(parts, "keep_weekly", weekly);
        add(parts, "keep_monthly", monthly);
        add(parts, "keep_yearly", yearly);
        within.ifPresent(d -> parts.add("keep_within " + Durations.format(d)));
        staggered.ifPresent(d -> parts.add("staggered" + (d.isZero() ? "" : " (max age " + Durations.format(d) + ")")));
        return parts.isEmpty() ? "nothing" : String.join(", ", parts);
    }

    private static void add(List<String> parts, String name, int n) {
        if (n > 0) {
            parts.add(name + " " + n);
        }
    }
}
