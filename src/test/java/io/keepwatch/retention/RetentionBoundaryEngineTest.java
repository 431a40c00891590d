package io.keepwatch.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.TestFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Retention limits through the engine, with a pinned clock: one second before each limit nothing is
 * removed and nothing is logged; one second after, the file goes with a {@code RETENTION delete:} line.
 */
class RetentionBoundaryEngineTest {
    private static final Instant T0 = EngineFixture.T0;

    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    private List<String> passAt(Instant t, RetentionConfig rules) throws Exception {
        kw.clock().set(t);
        kw.retention(rules);
        try (LogCapture log = new LogCapture(); Engine e = kw.open()) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
            e.commit();
            return log.lines().stream().filter(l -> l.contains("RETENTION")).toList();
        }
    }

    /**
     * One age limit: the rules, the file of the shared history that it removes, when that file comes due (its
     * archive or deletion time plus the limit), and the line that says so.
     */
    private record AgeLimit(String name, RetentionConfig rules, String removed, Instant due, String line) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<AgeLimit> ageLimits() {
        Instant archived = T0.plusSeconds(60);
        return Stream.of(
                new AgeLimit("version_max_age 30 days", new RetentionConfig(10, Optional.of(Duration.ofDays(30)), Optional.empty()),
                        "versions/src/a.txt/v1.bak", archived.plus(Duration.ofDays(30)),
                        "INFO RETENTION delete: versions/src/a.txt/v1.bak (archived more than 30 days ago)"),
                new AgeLimit("deleted_keep 7 days", new RetentionConfig(10, Optional.empty(), Optional.of(Duration.ofDays(7))),
                        "_deleted/src/gone.txt", archived.plus(Duration.ofDays(7)),
                        "INFO RETENTION delete: _deleted/src/gone.txt (deleted more than 7 days ago)"));
    }

    /** The history: v1 of a.txt archived and gone.txt deleted at T0+60s, v2 (the newest version) at T0+120s. */
    private void history(RetentionConfig rules) throws Exception {
        kw.write("keep.txt", "keeps the source from looking unmounted");
        kw.write("a.txt", "one");
        kw.write("gone.txt", "bye");
        passAt(T0, rules);
        kw.write("a.txt", "two!");
        Files.delete(kw.src().resolve("gone.txt"));
        passAt(T0.plusSeconds(60), rules);
        kw.write("a.txt", "three");
        passAt(T0.plusSeconds(120), rules);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ageLimits")
    void oneSecondBeforeTheLimitAndAtItNothingGoesOneSecondAfterTheFileGoes(AgeLimit limit) throws Exception {
        history(limit.rules());
        Path removed = kw.backup().resolve(limit.removed());

        assertEquals(List.of(), passAt(limit.due().minusSeconds(1), limit.rules()));
        assertTrue(Files.exists(removed));
        assertEquals(List.of(), passAt(limit.due(), limit.rules()), "exactly at the limit: kept");
        assertTrue(Files.exists(removed));

        assertEquals(List.of(limit.line()), passAt(limit.due().plusSeconds(1), limit.rules()));
        assertFalse(Files.exists(removed));

        // Nothing else goes, even a year later: the newest version is past the version limit and still kept.
        assertEquals(List.of(), passAt(T0.plus(Duration.ofDays(400)), limit.rules()));
        assertEquals("two!", TestFs.read(kw.backup().resolve("versions/src/a.txt/v2.bak")));
        assertEquals("keeps the source from looking unmounted", TestFs.read(kw.backup().resolve("src/keep.txt")));
        assertEquals("three", TestFs.read(kw.backup().resolve("src/a.txt")));
    }

    @Test
    void deletedFilesAreKeptForeverByDefault() throws Exception {
        RetentionConfig rules = RetentionConfig.defaults();
        kw.write("keep.txt", "k");
        kw.write("gone.txt", "bye");
        passAt(T0, rules);
        Files.delete(kw.src().resolve("gone.txt"));
        passAt(T0.plusSeconds(60), rules);
        assertEquals(List.of(), passAt(T0.plus(Duration.ofDays(3650)), rules));
        assertEquals("bye", TestFs.read(kw.backup().resolve("_deleted/src/gone.txt")));
    }

    @Test
    void versionCountLimitAtAndOnePast() throws Exception {
        RetentionConfig rules = new RetentionConfig(2, Optional.empty(), Optional.empty());
        Instant t = T0;
        kw.write("a.txt", "edit 0");
        passAt(t, rules);
        for (int i = 1; i <= 2; i++) {
            kw.write("a.txt", "edit " + i);
            t = t.plusSeconds(60);
            assertEquals(List.of(), passAt(t, rules), "at " + i + " versions");
        }
        kw.write("a.txt", "edit 3");
        assertEquals(List.of("INFO RETENTION delete: versions/src/a.txt/v1.bak (more than 2 versions)"),
                passAt(t.plusSeconds(60), rules));
        assertEquals("edit 1", TestFs.read(kw.backup().resolve("versions/src/a.txt/v2.bak")));
        assertEquals("edit 2", TestFs.read(kw.backup().resolve("versions/src/a.txt/v3.bak")));
    }
}
