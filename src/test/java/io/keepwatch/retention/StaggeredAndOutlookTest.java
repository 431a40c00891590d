package io.keepwatch.retention;

import static io.keepwatch.retention.KeepRulesTableTest.BERLIN;
import static io.keepwatch.retention.KeepRulesTableTest.policy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Syncthing's staggered preset against its documented intervals (one per 30 s for an hour, per hour for a day, per
 * day for 30 days, per week up to a year), at 29, 30 and 31 days (where Syncthing's own daily interval ended at
 * 6.9 days for years), and the policy's outlook ({@link RetentionPolicy#nextRemoval}) that the no-change fast path asks.
 */
class StaggeredAndOutlookTest {
    private static final Instant NOW = Instant.from(OffsetDateTime.parse("2026-12-10T12:00:00+01:00"));
    private static final FileFacts F = new FileFacts("sha256:x", 1, 0, "", "");

    static Stream<Arguments> staggeredRows() {
        long d = 86_400;
        return Stream.of(
                Arguments.of("first hour: one per 30 s", List.of(100L, 90L, 70L, 50L, 10L),
                        "v1 staggered 30s | v2 - | v3 staggered 30s | v4 - | v5 staggered 30s"),
                Arguments.of("first day: one per hour", List.of(5 * 3600L, 4 * 3600L + 1800, 3 * 3600L + 1, 3600L),
                        "v1 staggered 1h | v2 - | v3 staggered 1h | v4 staggered 1h"),
                Arguments.of("29 days old is in the daily interval: kept one day after a 31-day-old version",
                        List.of(31 * d, 29 * d, 3600L), "v1 staggered 1w | v2 staggered 1d | v3 staggered 1h"),
                Arguments.of("exactly 30 days old is in the weekly interval: one day after 31 days is too close",
                        List.of(31 * d, 30 * d, 3600L), "v1 staggered 1w | v2 - | v3 staggered 1h"),
                Arguments.of("one second under 30 days is still daily", List.of(31 * d, 30 * d - 1, 3600L),
                        "v1 staggered 1w | v2 staggered 1d | v3 staggered 1h"),
                Arguments.of("31 days: weekly, one per 7 days", List.of(45 * d, 38 * d + 1, 38 * d, 31 * d, 3600L),
                        "v1 staggered 1w | v2 - | v3 staggered 1w | v4 staggered 1w | v5 staggered 1h"),
                Arguments.of("7 days old is daily (Syncthing's old 592,000 s bound would make it weekly)",
                        List.of(8 * d, 7 * d, 6 * d, 3600L), "v1 staggered 1d | v2 staggered 1d | v3 staggered 1d | v4 staggered 1h"),
                Arguments.of("max age 365 days: exactly 365 days is kept, one second more is not",
                        List.of(365 * d + 1, 365 * d, 3600L), "v1 - | v2 staggered 1w | v3 staggered 1h"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("staggeredRows")
    void staggered(String name, List<Long> ageSeconds, String expected) {
        List<String> archived = ageSeconds.stream().map(a -> OffsetDateTime.ofInstant(NOW.minusSeconds(a), BERLIN).toString()).toList();
        assertEquals(expected, KeepRulesTableTest.describe(policy("staggered"), NOW, archived), name);
    }

    @Test
    void nextRemovalIsWhenTheOnlyTimeBoundRuleLetsGo() {
        Instant a = NOW.minus(Duration.ofDays(3));
        PathHistory h = history(a, NOW.minus(Duration.ofDays(1)));
        // keep_last 1 keeps v2 for ever; within 7d keeps v1 until it is more than 7 days old.
        assertEquals(a.plus(Duration.ofDays(7)).plusNanos(1), RetentionPolicy.nextRemoval(h, policy("last 1, within 7d"), BERLIN, NOW));
        // Count and calendar rules never change their mind as time passes.
        assertEquals(Instant.MAX, RetentionPolicy.nextRemoval(h, policy("last 1, daily 7, monthly 3"), BERLIN, NOW));
        // Something to remove already: now.
        assertEquals(NOW, RetentionPolicy.nextRemoval(h, policy("last 1"), BERLIN, NOW));
        // A deleted file goes one instant after its keep time.
        DeletionRecord del = DeletionRecord.of("g", F, NOW.minus(Duration.ofDays(4)), NOW.minus(Duration.ofDays(2)));
        RetentionConfig keepDeleted = new RetentionConfig(10, Optional.empty(), Optional.of(Duration.ofDays(30)));
        assertEquals(del.deletedAt().plus(Duration.ofDays(30)).plusNanos(1),
                RetentionPolicy.nextRemoval(new PathHistory(0, List.of(), List.of(del)), keepDeleted, BERLIN, NOW));
    }

    /**
     * For random histories and policies: nothing is removed at any instant before {@code nextRemoval}, and (for short
     * histories, where it is exact) something is removed at it.
     */
    @Test
    void nextRemovalIsNeverLate() {
        Random rnd = new Random(19);
        List<String> policies = List.of("staggered", "staggered 40", "last 2, within 2d", "daily 2, within 12h",
                "last 1, staggered, maxage 60", "hourly 3, maxage 20");
        for (int round = 0; round < 300; round++) {
            RetentionConfig p = policy(policies.get(round % policies.size()));
            int count = 1 + rnd.nextInt(4);
            List<Instant> times = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                times.add(NOW.minusSeconds(rnd.nextInt(90 * 86_400)));
            }
            times.sort(null);
            PathHistory h = history(times.toArray(Instant[]::new));
            Instant next = RetentionPolicy.nextRemoval(h, p, BERLIN, NOW);
            if (next.equals(NOW)) {
                assertTrue(removes(h, p, NOW));
                continue;
            }
            for (int k = 0; k < 40; k++) {
                long span = next.equals(Instant.MAX) ? 400L * 86_400 : Duration.between(NOW, next).getSeconds();
                Instant t = NOW.plusSeconds(span <= 0 ? 0 : (long) (rnd.nextDouble() * span));
                if (t.isBefore(next)) {
                    assertFalse(removes(h, p, t), "removal at " + t + " before " + next + " for " + h + " under " + p);
                }
            }
            if (!next.equals(Instant.MAX)) {
                assertFalse(removes(h, p, next.minusNanos(1)), "one instant before " + next);
                assertTrue(removes(h, p, next), "at " + next + " for " + h + " under " + p);
            }
        }
    }

    private static boolean removes(PathHistory h, RetentionConfig p, Instant t) {
        return RetentionPolicy.decide(new FileRef("s", "f"), h, p, BERLIN, t).stream().anyMatch(v -> !v.keep());
    }

    private static PathHistory history(Instant... archived) {
        List<VersionRecord> versions = new ArrayList<>();
        for (int i = 0; i < archived.length; i++) {
            versions.add(VersionRecord.of(i + 1, F, archived[i].minusSeconds(60), archived[i]));
        }
        return new PathHistory(versions.size(), versions, List.of());
    }

    static RetentionConfig withCaps(RetentionConfig p, long versionsMax, long deletedMax) {
        return new RetentionConfig(p.keep(), p.maxVersionAge(), p.deletedKeep(), p.zone(),
                versionsMax > 0 ? OptionalLong.of(versionsMax) : OptionalLong.empty(),
                deletedMax > 0 ? OptionalLong.of(deletedMax) : OptionalLong.empty());
    }
}
