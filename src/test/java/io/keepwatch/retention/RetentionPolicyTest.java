package io.keepwatch.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.plan.Action;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The old rules ({@code max_versions_per_file}, {@code max_version_age_days}, {@code deleted_keep_days}) as a table:
 * versions archived N days before "now", the rules, and the version numbers removed. They read and act as they did
 * before the keep rules came ({@code max_versions_per_file} is {@code keep_last}).
 */
class RetentionPolicyTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final FileFacts F = new FileFacts("sha256:x", 1, 0, "", "");

    static Stream<Arguments> rows() {
        Duration day = Duration.ofDays(1);
        Duration sec = Duration.ofSeconds(1);
        return Stream.of(
                Arguments.of("under the count limit keeps everything", 3, null, ages(5, 4, 3), List.of()),
                Arguments.of("count limit keeps the newest", 2, null, ages(5, 4, 3, 2), List.of(1, 2)),
                Arguments.of("12 versions, limit 10: v1 and v2 go", 10, null, ages(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1),
                        List.of(1, 2)),
                Arguments.of("age: one second past the limit goes", 10, 30L,
                        List.of(day.multipliedBy(30).plus(sec), day.multipliedBy(1)), List.of(1)),
                Arguments.of("age: exactly at the limit stays", 10, 30L,
                        List.of(day.multipliedBy(30), day.multipliedBy(1)), List.of()),
                Arguments.of("age: one second before the limit stays", 10, 30L,
                        List.of(day.multipliedBy(30).minus(sec), day.multipliedBy(1)), List.of()),
                Arguments.of("age never removes the newest version", 10, 30L,
                        List.of(day.multipliedBy(90), day.multipliedBy(60)), List.of(1)),
                Arguments.of("both rules on one version remove it once", 1, 30L,
                        List.of(day.multipliedBy(90), day.multipliedBy(60), day), List.of(1, 2)));
    }

    static List<Duration> ages(int... days) {
        List<Duration> out = new ArrayList<>();
        for (int d : days) {
            out.add(Duration.ofDays(d));
        }
        return out;
    }

    /** @param ages archive age of v1, v2, … (oldest first) */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void removesVersions(String name, int max, Long ageDays, List<Duration> ages, List<Integer> removed) {
        List<VersionRecord> versions = new ArrayList<>();
        for (int i = 0; i < ages.size(); i++) {
            versions.add(VersionRecord.of(i + 1, F, NOW.minus(ages.get(i)).minusSeconds(60), NOW.minus(ages.get(i))));
        }
        RetentionConfig rules = new RetentionConfig(max, Optional.ofNullable(ageDays).map(Duration::ofDays), Optional.empty());
        List<Action> actions = RetentionPolicy.apply(new FileRef("s", "a"), new PathHistory(ages.size(), versions, List.of()), rules,
                ZoneOffset.UTC, NOW);
        assertEquals(removed, actions.stream().map(a -> ((Action.PruneVersion) a).version().n()).toList(), name);
        actions.forEach(a -> assertEquals(ageDays != null && ((Action.PruneVersion) a).version().archivedAt()
                .isBefore(NOW.minus(Duration.ofDays(ageDays))) ? "archived more than " + ageDays + " days ago"
                : "more than " + max + " versions", ((Action.PruneVersion) a).reason(), name));
    }

    static Stream<Arguments> deletedRows() {
        return Stream.of(
                Arguments.of("kept forever by default", null, Duration.ofDays(3650), false),
                Arguments.of("one second past keep time goes", 7L, Duration.ofDays(7).plusSeconds(1), true),
                Arguments.of("exactly at keep time stays", 7L, Duration.ofDays(7), false),
                Arguments.of("one second before keep time stays", 7L, Duration.ofDays(7).minusSeconds(1), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deletedRows")
    void removesDeletedFiles(String name, Long keepDays, Duration age, boolean removed) {
        DeletionRecord d = DeletionRecord.of("a", F, NOW.minus(age).minusSeconds(60), NOW.minus(age));
        RetentionConfig rules = new RetentionConfig(10, Optional.empty(), Optional.ofNullable(keepDays).map(Duration::ofDays));
        List<Action> actions = RetentionPolicy.apply(new FileRef("s", "a"), new PathHistory(0, List.of(), List.of(d)), rules,
                ZoneOffset.UTC, NOW);
        assertEquals(removed ? 1 : 0, actions.size(), name);
    }
}
