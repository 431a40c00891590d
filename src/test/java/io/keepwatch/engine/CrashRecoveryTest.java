package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.tree;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.StateStore;
import io.keepwatch.state.VersionRecord;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Kills the engine (an Error that unwinds everything, like the process dying) at every single operation
 * that changes the disk during a pass, restarts it, and checks that nothing was lost, no version was
 * overwritten or invented, and no temp file or journal entry is left.
 */
class CrashRecoveryTest {

    /**
     * The history: pass 1 backs up (g.txt and d.txt are duplicates of a.txt); pass 2 modifies a file and a
     * duplicate, deletes, adds a duplicate and a new file, touches one.
     */
    private static void prepareFirst(Path src) throws IOException {
        write(src.resolve("a.txt"), "A1");
        write(src.resolve("b.txt"), "B1");
        write(src.resolve("c/c.txt"), "C1");
        write(src.resolve("d.txt"), "A1");
        write(src.resolve("keep.txt"), "K");
        write(src.resolve("g.txt"), "A1");
    }

    private static void prepareSecond(Path src) throws IOException {
        write(src.resolve("a.txt"), "A2");
        write(src.resolve("g.txt"), "G1");
        Files.delete(src.resolve("b.txt"));
        write(src.resolve("e/e.txt"), "E1");
        write(src.resolve("f.txt"), "C1");
        Files.setLastModifiedTime(src.resolve("keep.txt"), java.nio.file.attribute.FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
    }

    private static final Map<String, String> EXPECTED_AFTER_SECOND = new TreeMap<>(Map.of(
            "src/a.txt", "A2", "src/c/c.txt", "C1", "src/e/e.txt", "E1", "src/keep.txt", "K",
            "_duplicates/src/d.txt", "A1", "_duplicates/src/f.txt", "C1", "src/g.txt", "G1",
            "versions/src/a.txt/v1.bak", "A1", "versions/src/g.txt/v1.bak", "A1", "_deleted/src/b.txt", "B1"));

    @Test
    void crashAtEveryStepOfTheFirstPassLosesNothing() throws Exception {
        int steps = countSteps(1);
        assertTrue(steps > 10, "steps: " + steps);
        for (int k = 0; k < steps; k++) {
            runWithCrash(1, k);
        }
    }

    @Test
    void crashAtEveryStepOfTheSecondPassLosesNothing() throws Exception {
        int steps = countSteps(2);
        assertTrue(steps > 10, "steps: " + steps);
        for (int k = 0; k < steps; k++) {
            runWithCrash(2, k);
        }
    }

    private int countSteps(int crashPass) throws Exception {
        try (Setup s = new Setup()) {
            prepareFirst(s.src);
            if (crashPass == 2) {
                s.pass();
                prepareSecond(s.src);
            }
            s.fs.crashAt(-1);
            int before = s.fs.mutations();
            s.pass();
            return s.fs.mutations() - before;
        }
    }

    private void runWithCrash(int crashPass, int k) throws Exception {
        try (Setup s = new Setup()) {
            prepareFirst(s.src);
            if (crashPass == 2) {
                s.pass();
                prepareSecond(s.src);
            }
            s.clock.advance(Duration.ofMinutes(1));
            s.fs.crashAt(k);
            Engine engine = Engine.open(s.config, s.fs, s.clock, Progress.NONE);
            boolean crashed = false;
            try {
                engine.runFull(Engine.PassOptions.DEFAULT);
                engine.commit();
            } catch (FaultyFs.Crash c) {
                crashed = true;
            }
            engine.abandon();
            assertTrue(crashed, "crash point " + k + " was not reached");
            s.fs.crashAt(-1);
            s.clock.advance(Duration.ofMinutes(1));
            s.pass();
            if (crashPass == 1) {
                prepareSecond(s.src);
                s.pass();
            }
            String where = "crash in pass " + crashPass + " at step " + k;
            assertEquals(EXPECTED_AFTER_SECOND, s.backupFiles(), where);
            s.assertStateMatchesDisk(where);
            assertEquals(Map.of(), tree(s.backup.resolve(".keepwatch/tmp")), where + ": temp leftovers");
            assertEquals(Map.of(), tree(s.backup.resolve(".keepwatch/journal")), where + ": journal leftovers");
        }
    }

    private static final class Setup implements AutoCloseable {
        final FileSystem jimfs = TestFs.unix();
        final Path src = jimfs.getPath("/src");
        final Path backup = jimfs.getPath("/backup");
        final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        final FaultyFs fs = new FaultyFs(new RealFs(false, ms -> { }));
        final Config config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));

        void pass() throws Exception {
            try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
                PassResult r = e.runFull(Engine.PassOptions.DEFAULT);
                assertTrue(r.complete(), r.problems().toString());
            }
        }

        Map<String, String> backupFiles() throws IOException {
            Map<String, String> files = tree(backup);
            files.keySet().removeIf(k -> k.startsWith(".keepwatch/") || k.startsWith("state.json"));
            return files;
        }

        /** Every copy, version and deletion the state records exists with its recorded hash; nothing else does. */
        void assertStateMatchesDisk(String where) throws Exception {
            BackupState state = new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow();
            BackupLayout layout = new BackupLayout(backup);
            HashingCopier h = new HashingCopier(fs, config.hashAlgorithm());
            int recorded = 0;
            for (Map.Entry<String, LiveFile> e : state.liveFiles("src").entrySet()) {
                FileRef ref = new FileRef("src", e.getKey());
                assertEquals(e.getValue().hash(), h.hashOf(layout.copyOf(ref, e.getValue())), where + ": " + ref);
                recorded++;
            }
            for (Map.Entry<String, PathHistory> e : state.histories("src").entrySet()) {
                FileRef ref = new FileRef("src", e.getKey());
                for (VersionRecord v : e.getValue().versions()) {
                    assertEquals(v.hash(), h.hashOf(layout.version(ref, v.n())), where + ": " + ref + " v" + v.n());
                    Optional<LiveFile> live = state.live(ref);
                    assertTrue(live.isEmpty() || !live.get().hash().equals(v.hash()), where + ": bogus version of " + ref);
                    recorded++;
                }
                for (DeletionRecord d : e.getValue().deletions()) {
                    assertEquals(d.hash(), h.hashOf(layout.deleted("src", d.stored())), where + ": deleted " + ref);
                    recorded++;
                }
            }
            assertEquals(backupFiles().size(), recorded, where + ": files on disk the state does not know, or the reverse");
            assertEquals("A2", read(src.resolve("a.txt")));
        }

        @Override
        public void close() throws IOException {
            jimfs.close();
        }
    }
}
