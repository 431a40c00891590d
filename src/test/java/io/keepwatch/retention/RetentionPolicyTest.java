package io.keepwatch.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.RootCaps;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
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

    private static final long NO = -1;

    /** A cap in bytes, or none ({@link #NO}). */
    private static OptionalLong cap(long bytes) {
        return bytes == NO ? OptionalLong.empty() : OptionalLong.of(bytes);
    }

    /**
     * The size caps asked of totals, as the no-change fast path asks them: source "a" has caps of its own, "b" none.
     * Each row is checked against {@link RetentionPolicy#plan} over histories holding those bytes: the caps are within
     * exactly when the plan removes nothing.
     */
    static Stream<Arguments> capRows() {
        long gib = 1L << 30;
        return Stream.of(
                Arguments.of("no caps: within, whatever is held", NO, NO, NO, NO, NO, NO, 900, 900, 0, 0, null, true),
                Arguments.of("a's versions exactly at its cap", 100, NO, NO, NO, NO, NO, 100, 0, 0, 0, null, true),
                Arguments.of("a's versions one byte over its cap", 100, NO, NO, NO, NO, NO, 101, 0, 0, 0, null, false),
                Arguments.of("a's deleted files one byte over its cap", NO, 50, NO, NO, NO, NO, 0, 51, 0, 0, null, false),
                Arguments.of("b is not bound by a's caps", 100, 50, NO, NO, NO, NO, 10, 10, 500, 500, null, true),
                Arguments.of("each within, their sum over the root's versions cap", NO, NO, 150, NO, NO, NO, 100, 0, 51, 0, null, false),
                Arguments.of("the sum exactly at the root's deleted cap", NO, NO, NO, 150, NO, NO, 0, 100, 0, 50, null, true),
                Arguments.of("free space exactly min_free_bytes", NO, NO, NO, NO, 1000, NO, 10, 0, 0, 0, new long[] {1000, gib}, true),
                Arguments.of("one byte less free than min_free_bytes", NO, NO, NO, NO, 1000, NO, 10, 0, 0, 0, new long[] {999, gib}, false),
                Arguments.of("min_free_percent: 10% of the disk free", NO, NO, NO, NO, NO, 10, 10, 0, 0, 0, new long[] {gib / 100 * 10, gib}, true),
                Arguments.of("min_free_percent: one byte short", NO, NO, NO, NO, NO, 10, 10, 0, 0, 0, new long[] {gib / 100 * 10 - 1, gib}, false),
                Arguments.of("the larger of the two free-space limits counts", NO, NO, NO, NO, 10, 10, 10, 0, 0, 0,
                        new long[] {gib / 100 * 10 - 1, gib}, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("capRows")
    void sizeCapsOnTotalsAreThoseThePlanApplies(String name, long aVersionsMax, long aDeletedMax, long rootVersionsMax,
            long rootDeletedMax, long minFreeBytes, long minFreePercent, long aVersions, long aDeleted, long bVersions,
            long bDeleted, long[] disk, boolean within) {
        RetentionConfig plain = RetentionConfig.defaults();
        RetentionConfig a = new RetentionConfig(plain.keep(), plain.maxVersionAge(), plain.deletedKeep(), Optional.empty(),
                cap(aVersionsMax), cap(aDeletedMax));
        java.util.function.Function<String, RetentionConfig> policyOf = source -> source.equals("a") ? a : plain;
        RootCaps caps = new RootCaps(cap(rootVersionsMax), cap(rootDeletedMax), cap(minFreeBytes),
                minFreePercent == NO ? OptionalInt.empty() : OptionalInt.of((int) minFreePercent));
        Optional<SizeCaps.Disk> d = disk == null ? Optional.empty() : Optional.of(new SizeCaps.Disk(disk[0], disk[1]));
        Map<String, SizeCaps.Held> held = new LinkedHashMap<>();
        held.put("a", new SizeCaps.Held(aVersions, aDeleted));
        held.put("b", new SizeCaps.Held(bVersions, bDeleted));
        assertEquals(within, RetentionPolicy.withinCaps(held, policyOf, caps, d), name);

        // The same sources as histories: one path with an old version of those bytes (and an empty newest one, which no
        // cap removes), and one deleted file of those bytes.
        Map<String, Map<String, PathHistory>> histories = new LinkedHashMap<>();
        held.forEach((source, h) -> {
            Instant t = NOW.minus(Duration.ofDays(2));
            VersionRecord old = VersionRecord.of(1, new FileFacts("sha256:o", h.versionBytes(), 0, "", ""), t, t.plusSeconds(1));
            VersionRecord newest = VersionRecord.of(2, new FileFacts("sha256:n", 0, 0, "", ""), t, t.plusSeconds(2));
            DeletionRecord gone = DeletionRecord.of("d", new FileFacts("sha256:d", h.deletedBytes(), 0, "", ""), t, t.plusSeconds(3));
            histories.put(source, Map.of("v", new PathHistory(2, List.of(old, newest), List.of()),
                    "d", new PathHistory(0, List.of(), List.of(gone))));
        });
        RetentionPlan plan = RetentionPolicy.plan(histories, policyOf, caps, d, ZoneOffset.UTC, NOW);
        assertEquals(within, plan.removals().isEmpty(), name + ": " + plan.removals());
    }

    /** A source's next removal: the earliest of its paths', none when nothing could ever be removed by time alone. */
    static Stream<Arguments> sourceOutlookRows() {
        Instant a = NOW.minus(Duration.ofDays(3));
        VersionRecord v1 = VersionRecord.of(1, F, a.minusSeconds(60), a);
        VersionRecord v2 = VersionRecord.of(2, F, a, a.plusSeconds(60));
        DeletionRecord early = DeletionRecord.of("x", F, a.minusSeconds(60), a);
        DeletionRecord late = DeletionRecord.of("y", F, a, a.plus(Duration.ofDays(1)));
        PathHistory versions = new PathHistory(2, List.of(v1, v2), List.of());
        PathHistory deletedEarly = new PathHistory(0, List.of(), List.of(early));
        PathHistory deletedLate = new PathHistory(0, List.of(), List.of(late));
        RetentionConfig age = new RetentionConfig(10, Optional.of(Duration.ofDays(30)), Optional.of(Duration.ofDays(7)));
        return Stream.of(
                Arguments.of("no paths: never", List.of(), age, Instant.MAX),
                Arguments.of("only empty histories: never", List.of(PathHistory.EMPTY), age, Instant.MAX),
                Arguments.of("the earliest deletion to come due", List.of(deletedLate, deletedEarly), age,
                        a.plus(Duration.ofDays(7)).plusNanos(1)),
                Arguments.of("a version due before any deletion", List.of(deletedLate, versions),
                        new RetentionConfig(10, Optional.of(Duration.ofDays(5)), Optional.of(Duration.ofDays(7))),
                        a.plus(Duration.ofDays(5)).plusNanos(1)),
                Arguments.of("something already removed: now", List.of(deletedLate, versions),
                        new RetentionConfig(1, Optional.empty(), Optional.empty()), NOW),
                Arguments.of("no time-bound rule: never", List.of(deletedEarly, versions), RetentionConfig.defaults(), Instant.MAX));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("sourceOutlookRows")
    void aSourcesNextRemovalIsTheEarliestOfItsPaths(String name, List<PathHistory> histories, RetentionConfig policy, Instant expected) {
        assertEquals(expected, RetentionPolicy.nextRemoval(histories, policy, ZoneOffset.UTC, NOW), name);
    }
}
