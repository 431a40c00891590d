package io.keepwatch.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.config.Durations;
import io.keepwatch.config.KeepRules;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The keep rules as a table, in Europe/Berlin with a pinned "now": the versions of one path (archive times with
 * their offset, oldest first), the policy, and what becomes of each version: the reasons it is kept, or "-" when it
 * is removed. Each bucket edge is tested one second before and after; month ends, a leap day, a year change (whose
 * ISO week spans both years) and both DST changes of 2026 (29 March, 25 October) are in it.
 */
class KeepRulesTableTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final FileFacts F = new FileFacts("sha256:x", 1, 0, "", "");

    static Stream<Arguments> rows() {
        return Stream.of(
                row("last 3 of 5", "last 3", "2026-12-10T12:00+01:00",
                        List.of("2026-12-01T10:00+01:00", "2026-12-02T10:00+01:00", "2026-12-03T10:00+01:00",
                                "2026-12-04T10:00+01:00", "2026-12-05T10:00+01:00"),
                        "v1 - | v2 - | v3 last 3 | v4 last 3 | v5 last 3"),
                row("daily: one second before and after midnight are two days; the newest of a day is kept", "daily 7",
                        "2026-12-10T12:00+01:00",
                        List.of("2026-11-29T23:59:59+01:00", "2026-11-30T00:00:00+01:00", "2026-11-30T12:00+01:00"),
                        "v1 daily 2026-11-29 | v2 - | v3 daily 2026-11-30"),
                row("daily counts only days that hold versions, newest first", "daily 2", "2026-12-10T12:00+01:00",
                        List.of("2026-11-01T10:00+01:00", "2026-11-15T10:00+01:00", "2026-11-20T10:00+01:00"),
                        "v1 - | v2 daily 2026-11-15 | v3 daily 2026-11-20"),
                row("hourly: one second before and after the hour", "hourly 24", "2026-12-10T12:00+01:00",
                        List.of("2026-12-01T09:59:59+01:00", "2026-12-01T10:00:00+01:00", "2026-12-01T10:59:59+01:00"),
                        "v1 hourly 2026-12-01 09:00+01:00 | v2 - | v3 hourly 2026-12-01 10:00+01:00"),
                row("weekly: ISO weeks, Sunday 23:59:59 and Monday 00:00:00", "weekly 4", "2026-12-10T12:00+01:00",
                        List.of("2026-11-29T23:59:59+01:00", "2026-11-30T00:00:00+01:00", "2026-12-06T23:59:59+01:00"),
                        "v1 weekly 2026-W48 | v2 - | v3 weekly 2026-W49"),
                row("monthly: the last second of January and the first of February", "monthly 12", "2026-12-10T12:00+01:00",
                        List.of("2026-01-31T23:59:59+01:00", "2026-02-01T00:00:00+01:00", "2026-02-28T23:59:59+01:00"),
                        "v1 monthly 2026-01 | v2 - | v3 monthly 2026-02"),
                row("monthly over a leap day: 29 February 2028 is February's newest", "monthly 12", "2028-03-10T12:00+01:00",
                        List.of("2028-02-28T12:00+01:00", "2028-02-29T23:59:59+01:00", "2028-03-01T00:00:00+01:00"),
                        "v1 - | v2 monthly 2028-02 | v3 monthly 2028-03"),
                row("daily over a leap day", "daily 3", "2028-03-10T12:00+01:00",
                        List.of("2028-02-28T23:59:59+01:00", "2028-02-29T00:00:00+01:00", "2028-02-29T23:59:59+01:00",
                                "2028-03-01T00:00:00+01:00"),
                        "v1 daily 2028-02-28 | v2 - | v3 daily 2028-02-29 | v4 daily 2028-03-01"),
                row("year change: two years, one ISO week (2026-W53 runs to Sunday 3 January 2027)", "weekly 5, yearly 5",
                        "2027-01-10T12:00+01:00",
                        List.of("2026-12-31T23:59:59+01:00", "2027-01-01T00:00:00+01:00", "2027-01-03T23:59:59+01:00",
                                "2027-01-04T00:00:00+01:00"),
                        "v1 yearly 2026 | v2 - | v3 weekly 2026-W53 | v4 weekly 2027-W01, yearly 2027"),
                row("spring DST change: 01:59:59 CET and 03:00:00 CEST are one second apart, two hours, one day",
                        "hourly 10, daily 10", "2026-03-30T12:00+02:00",
                        List.of("2026-03-29T01:59:59+01:00", "2026-03-29T03:00:00+02:00"),
                        "v1 hourly 2026-03-29 01:00+01:00 | v2 hourly 2026-03-29 03:00+02:00, daily 2026-03-29"),
                row("autumn DST change: the hour 02:00 that comes twice is two hourly buckets", "hourly 10",
                        "2026-10-26T12:00+01:00",
                        List.of("2026-10-25T02:30+02:00", "2026-10-25T02:59:59+02:00", "2026-10-25T02:00:00+01:00",
                                "2026-10-25T02:30+01:00"),
                        "v1 - | v2 hourly 2026-10-25 02:00+02:00 | v3 - | v4 hourly 2026-10-25 02:00+01:00"),
                row("autumn DST change: its 25-hour day is one daily bucket", "daily 10", "2026-10-26T12:00+01:00",
                        List.of("2026-10-25T00:00:00+02:00", "2026-10-25T02:30+02:00", "2026-10-25T23:59:59+01:00",
                                "2026-10-26T00:00:00+01:00"),
                        "v1 - | v2 - | v3 daily 2026-10-25 | v4 daily 2026-10-26"),
                row("within 7d: exactly 7 days old is kept, one second more is not", "within 7d", "2026-12-10T12:00:00+01:00",
                        List.of("2026-12-03T11:59:59+01:00", "2026-12-03T12:00:00+01:00", "2026-12-03T12:00:01+01:00",
                                "2026-12-09T12:00+01:00"),
                        "v1 - | v2 within 7d | v3 within 7d | v4 within 7d"),
                row("the newest version is kept when no rule keeps it", "within 1d", "2026-12-10T12:00+01:00",
                        List.of("2026-11-01T10:00+01:00", "2026-11-02T10:00+01:00"),
                        "v1 - | v2 newest version"),
                row("combined, as restic: kept if any rule keeps it, with every reason", "last 1, daily 2, monthly 2, within 2d",
                        "2026-12-10T12:00+01:00",
                        List.of("2026-10-15T10:00+02:00", "2026-11-20T10:00+01:00", "2026-11-30T10:00+01:00",
                                "2026-12-08T08:00+01:00", "2026-12-08T13:00+01:00", "2026-12-09T10:00+01:00"),
                        "v1 - | v2 - | v3 monthly 2026-11 | v4 - | v5 daily 2026-12-08, within 2d | "
                                + "v6 last 1, daily 2026-12-09, monthly 2026-12, within 2d"),
                row("mnemosynce's 7 daily, 5 weekly, 13 monthly, 6 yearly over six weekly versions: the 5 newest weeks",
                        "daily 7, weekly 5, monthly 13, yearly 6", "2026-12-10T12:00+01:00",
                        List.of("2026-10-29T10:00+01:00", "2026-11-05T10:00+01:00", "2026-11-12T10:00+01:00",
                                "2026-11-19T10:00+01:00", "2026-11-26T10:00+01:00", "2026-12-03T10:00+01:00"),
                        "v1 daily 2026-10-29, monthly 2026-10 | v2 daily 2026-11-05, weekly 2026-W45 | "
                                + "v3 daily 2026-11-12, weekly 2026-W46 | v4 daily 2026-11-19, weekly 2026-W47 | "
                                + "v5 daily 2026-11-26, weekly 2026-W48, monthly 2026-11 | "
                                + "v6 daily 2026-12-03, weekly 2026-W49, monthly 2026-12, yearly 2026"),
                row("the example timeline of docs/configuration.md", "last 2, daily 4, within 1d", "2026-12-10T12:00+01:00",
                        List.of("2026-11-28T18:00+01:00", "2026-11-30T09:00+01:00", "2026-11-30T17:30+01:00",
                                "2026-12-08T08:00+01:00", "2026-12-08T13:00+01:00", "2026-12-09T23:59+01:00",
                                "2026-12-10T11:00+01:00"),
                        "v1 - | v2 - | v3 daily 2026-11-30 | v4 - | v5 daily 2026-12-08 | "
                                + "v6 last 2, daily 2026-12-09, within 1d | v7 last 2, daily 2026-12-10, within 1d"),
                row("max age beats every keep rule but never takes the newest", "last 10, maxage 30", "2026-12-10T12:00+01:00",
                        List.of("2026-11-10T11:59:59+01:00", "2026-11-10T12:00:00+01:00", "2026-12-01T12:00+01:00"),
                        "v1 - | v2 last 10 | v3 last 10"));
    }

    static Arguments row(String name, String policy, String now, List<String> archived, String expected) {
        return Arguments.of(name, policy, now, archived, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String name, String policy, String now, List<String> archived, String expected) {
        assertEquals(expected, describe(policy(policy), Instant.from(OffsetDateTime.parse(now)), archived), name);
    }

    /** "v1 reason | v2 - | ...": each version's reasons, or "-" when it is removed. */
    static String describe(RetentionConfig policy, Instant now, List<String> archived) {
        List<VersionRecord> versions = new ArrayList<>();
        for (int i = 0; i < archived.size(); i++) {
            Instant at = Instant.from(OffsetDateTime.parse(archived.get(i)));
            versions.add(VersionRecord.of(i + 1, F, at.minusSeconds(60), at));
        }
        List<Verdict> verdicts = RetentionPolicy.decide(new FileRef("s", "f"), new PathHistory(versions.size(), versions, List.of()),
                policy, BERLIN, now);
        return verdicts.stream().map(v -> "v" + ((Verdict.Version) v.item()).record().n() + " " + (v.keep() ? v.reason() : "-"))
                .collect(Collectors.joining(" | "));
    }

    /** "last 3, daily 7, within 7d, staggered, staggered 30, maxage 30" as a policy. */
    static RetentionConfig policy(String text) {
        int[] n = new int[6];
        Optional<Duration> within = Optional.empty();
        Optional<Duration> staggered = Optional.empty();
        Optional<Duration> maxAge = Optional.empty();
        List<String> names = List.of("last", "hourly", "daily", "weekly", "monthly", "yearly");
        for (String part : text.split(",\\s*")) {
            String[] w = part.trim().split(" ");
            if (names.contains(w[0])) {
                n[names.indexOf(w[0])] = Integer.parseInt(w[1]);
            } else if (w[0].equals("within")) {
                within = Durations.parse(w[1]);
            } else if (w[0].equals("staggered")) {
                staggered = Optional.of(w.length > 1 ? Duration.ofDays(Long.parseLong(w[1])) : KeepRules.STAGGERED_MAX_AGE);
            } else if (w[0].equals("maxage")) {
                maxAge = Optional.of(Duration.ofDays(Long.parseLong(w[1])));
            } else {
                throw new IllegalArgumentException(part);
            }
        }
        return new RetentionConfig(new KeepRules(n[0], n[1], n[2], n[3], n[4], n[5], within, staggered), maxAge, Optional.empty(),
                Optional.empty(), OptionalLong.empty(), OptionalLong.empty());
    }
}
