package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code rebuild-state} writes the new state before it lets go of the old one: killed at any step, state.json
 * is the old file or the whole new one, never missing or partial; the old file is kept beside it.
 */
class RebuildStateTest {
    private static final byte[] OLD = "{\"format\": 2, \"sources\": {\"src\": [".getBytes(StandardCharsets.UTF_8);

    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private FaultyFs fs;
    private MutableClock clock;
    private Config config;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new FaultyFs(new RealFs(false, ms -> { }));
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));
        write(src.resolve("a.txt"), "one");
        write(src.resolve("gone.txt"), "bye");
        pass();
        write(src.resolve("a.txt"), "two");
        Files.delete(src.resolve("gone.txt"));
        pass();
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private void pass() throws Exception {
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
    }

    private Path stateFile() {
        return backup.resolve("state.json");
    }

    private List<Path> kept() throws IOException {
        try (Stream<Path> s = Files.list(backup)) {
            return s.filter(p -> p.getFileName().toString().startsWith("state.json.broken-")).sorted().toList();
        }
    }

    /** The rebuilt state as the store reads it: a, its version, the deletion of gone.txt. */
    private void assertRebuilt() throws Exception {
        BackupState s = new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow();
        assertEquals(1, s.totalLive());
        assertEquals(1, s.history(new FileRef("src", "a.txt")).lastVersion());
        assertEquals("gone.txt", s.history(new FileRef("src", "gone.txt")).deletions().get(0).stored());
    }

    @Test
    void theOldStateIsKeptBesideTheNewOneAndTheNextPassChangesNothing() throws Exception {
        Files.write(stateFile(), OLD);
        new StateRebuilder(config, fs, clock).rebuild();
        assertRebuilt();
        assertEquals(List.of(backup.resolve("state.json.broken-2026-03-01T10-00-00Z")), kept());
        assertArrayEquals(OLD, Files.readAllBytes(kept().get(0)));
        // A second rebuild in the same instant keeps the first kept file and adds another.
        new StateRebuilder(config, fs, clock).rebuild();
        assertEquals(2, kept().size());
        assertArrayEquals(OLD, Files.readAllBytes(kept().get(0)));
        assertRebuilt();
    }

    @Test
    void killedAtAnyStepStateJsonIsTheOldFileOrTheWholeNewOne() throws Exception {
        int crashes = 0;
        for (int k = 0; ; k++) {
            Files.write(stateFile(), OLD);
            for (Path p : kept()) {
                Files.delete(p);
            }
            fs.crashAt(k);
            boolean crashed;
            try {
                new StateRebuilder(config, fs, clock).rebuild();
                crashed = false;
            } catch (FaultyFs.Crash c) {
                crashed = true;
                crashes++;
            } finally {
                fs.crashAt(-1);
            }
            assertTrue(Files.isRegularFile(stateFile()), "state.json is missing after a crash at step " + k);
            if (!java.util.Arrays.equals(OLD, Files.readAllBytes(stateFile()))) {
                assertRebuilt();
            }
            for (Path p : kept()) {
                assertArrayEquals(OLD, Files.readAllBytes(p), "kept at step " + k);
            }
            if (!crashed) {
                assertRebuilt();
                assertEquals(1, kept().size());
                break;
            }
            // Interrupted: run again, and it is as if it had not been.
            new StateRebuilder(config, fs, clock).rebuild();
            assertRebuilt();
        }
        assertTrue(crashes >= 3, "crash points: " + crashes);
    }
}
