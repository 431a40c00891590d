package io.keepwatch.retention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retention limits through the engine, with a pinned clock: one second before each limit nothing is
 * removed and nothing is logged; one second after, the file goes with a {@code RETENTION delete:} line.
 */
class RetentionBoundaryEngineTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private MutableClock clock;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(T0);
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private List<String> passAt(Instant t, RetentionConfig rules) throws Exception {
        clock.set(t);
        Config config = TestFs.config(jimfs.getPath("/etc"), backup, rules, new SourceConfig("src", src));
        try (LogCapture log = new LogCapture();
             Engine e = Engine.open(config, new RealFs(false, ms -> { }), clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
            e.commit();
            return log.lines().stream().filter(l -> l.contains("RETENTION")).toList();
        }
    }

    @Test
    void versionAgeLimitOneSecondBeforeAndAfter() throws Exception {
        RetentionConfig rules = new RetentionConfig(10, Optional.of(Duration.ofDays(30)), Optional.empty());
        TestFs.write(src.resolve("a.txt"), "one");
        passAt(T0, rules);
        TestFs.write(src.resolve("a.txt"), "two!");
        passAt(T0.plusSeconds(60), rules); // v1 archived at T0+60s
        TestFs.write(src.resolve("a.txt"), "three");
        passAt(T0.plusSeconds(120), rules); // v2 archived at T0+120s, the newest version
        Instant v1Limit = T0.plusSeconds(60).plus(Duration.ofDays(30));

        assertEquals(List.of(), passAt(v1Limit.minusSeconds(1), rules));
        assertTrue(Files.exists(backup.resolve("versions/src/a.txt/v1.bak")));
        assertEquals(List.of(), passAt(v1Limit, rules)); // exactly at the limit: kept
        assertTrue(Files.exists(backup.resolve("versions/src/a.txt/v1.bak")));

        assertEquals(List.of("INFO RETENTION delete: versions/src/a.txt/v1.bak (archived more than 30 days ago)"),
                passAt(v1Limit.plusSeconds(1), rules));
        assertFalse(Files.exists(backup.resolve("versions/src/a.txt/v1.bak")));
        assertTrue(Files.exists(backup.resolve("versions/src/a.txt/v2.bak")));

        // The newest version is past the limit a year later, and still kept.
        assertEquals(List.of(), passAt(T0.plus(Duration.ofDays(400)), rules));
        assertEquals("two!", TestFs.read(backup.resolve("versions/src/a.txt/v2.bak")));
    }

    @Test
    void deletedKeepLimitOneSecondBeforeAndAfter() throws Exception {
        RetentionConfig rules = new RetentionConfig(10, Optional.empty(), Optional.of(Duration.ofDays(7)));
        TestFs.write(src.resolve("keep.txt"), "keeps the source from looking unmounted");
        TestFs.write(src.resolve("gone.txt"), "bye");
        passAt(T0, rules);
        Files.delete(src.resolve("gone.txt"));
        passAt(T0.plusSeconds(60), rules);
        Instant limit = T0.plusSeconds(60).plus(Duration.ofDays(7));

        assertEquals(List.of(), passAt(limit.minusSeconds(1), rules));
        assertEquals("bye", TestFs.read(backup.resolve("_deleted/src/gone.txt")));
        assertEquals(List.of(), passAt(limit, rules));
        assertTrue(Files.exists(backup.resolve("_deleted/src/gone.txt")));

        assertEquals(List.of("INFO RETENTION delete: _deleted/src/gone.txt (deleted more than 7 days ago)"),
                passAt(limit.plusSeconds(1), rules));
        assertFalse(Files.exists(backup.resolve("_deleted/src/gone.txt")));
        assertEquals("keeps the source from looking unmounted", TestFs.read(backup.resolve("src/keep.txt")));
    }

    @Test
    void deletedFilesAreKeptForeverByDefault() throws Exception {
        RetentionConfig rules = RetentionConfig.defaults();
        TestFs.write(src.resolve("keep.txt"), "k");
        TestFs.write(src.resolve("gone.txt"), "bye");
        passAt(T0, rules);
        Files.delete(src.resolve("gone.txt"));
        passAt(T0.plusSeconds(60), rules);
        assertEquals(List.of(), passAt(T0.plus(Duration.ofDays(3650)), rules));
        assertEquals("bye", TestFs.read(backup.resolve("_deleted/src/gone.txt")));
    }

    @Test
    void versionCountLimitAtAndOnePast() throws Exception {
        RetentionConfig rules = new RetentionConfig(2, Optional.empty(), Optional.empty());
        Instant t = T0;
        TestFs.write(src.resolve("a.txt"), "edit 0");
        passAt(t, rules);
        for (int i = 1; i <= 2; i++) {
            TestFs.write(src.resolve("a.txt"), "edit " + i);
            t = t.plusSeconds(60);
            assertEquals(List.of(), passAt(t, rules), "at " + i + " versions");
        }
        TestFs.write(src.resolve("a.txt"), "edit 3");
        assertEquals(List.of("INFO RETENTION delete: versions/src/a.txt/v1.bak (more than 2 versions)"),
                passAt(t.plusSeconds(60), rules));
        assertEquals("edit 1", TestFs.read(backup.resolve("versions/src/a.txt/v2.bak")));
        assertEquals("edit 2", TestFs.read(backup.resolve("versions/src/a.txt/v3.bak")));
    }
}
