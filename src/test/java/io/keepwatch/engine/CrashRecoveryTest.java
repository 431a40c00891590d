package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.tree;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.hash.HashingCopier;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.FaultyFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    @ParameterizedTest(name = "a crash at every step of pass {0} loses nothing")
    @ValueSource(ints = {1, 2})
    void crashAtEveryStepOfAPassLosesNothing(int crashPass) throws Exception {
        int steps = countSteps(crashPass);
        assertTrue(steps > 10, "steps: " + steps);
        for (int k = 0; k < steps; k++) {
            runWithCrash(crashPass, k);
        }
    }

    /**
     * A first backup commits once, at its end: killed in its fourth chunk, it has written no state.json, and the
     * journal holds the three chunks before; the next start recovers those from the journal (their files are not
     * copied again), and the pass backs up the rest.
     */
    @org.junit.jupiter.api.Test
    void aFirstBackupKilledAfterThreeChunksWroteNoStateAndTheNextStartRecoversThemFromTheJournal() throws Exception {
        try (EngineFixture kw = new EngineFixture().withSourceAt("/src").start()) {
            Map<String, String> expected = new TreeMap<>();
            for (int i = 0; i < 10; i++) {
                String rel = "d" + (i % 3) + "/f" + i + ".txt";
                write(kw.src().resolve(rel), "content " + i);
                expected.put("src/" + rel, "content " + i);
            }
            kw.fs().failCreate(p -> {
                if (p.toString().contains("/.keepwatch/journal/4.json")) {
                    throw new FaultyFs.Crash("the journal entry of chunk 4");
                }
            });
            Engine engine = kw.open();
            // chunks of 2 files; a commit would be due after every 2 actions but for a first backup
            engine.limitChunks(Long.MAX_VALUE, 2, 2);
            boolean crashed = false;
            try {
                engine.runFull(Engine.PassOptions.DEFAULT);
            } catch (FaultyFs.Crash c) {
                crashed = true;
            }
            engine.abandon();
            assertTrue(crashed, "the fourth chunk was not reached");
            assertFalse(Files.exists(kw.layout().stateFile()), "a first backup writes state.json only at its end");
            assertEquals(3, tree(kw.layout().journalDir()).size(), "the journal holds the chunks before the kill");
            assertEquals(6, kw.backupFiles().keySet().stream()
                    .filter(f -> !io.keepwatch.execute.StagingArea.isStagedName(f.substring(f.lastIndexOf('/') + 1))).count(),
                    "the three chunks before the kill are in place (beside the copies staged for the next)");

            kw.fs().failCreate(p -> { });
            kw.clock().advance(Duration.ofMinutes(1));
            PassResult r = kw.passComplete();
            assertEquals(4, r.counts().backedUp(), "only the files the kill kept from the backup are copied now");
            assertEquals(6, r.counts().unchanged(), "recovered from the journal");
            assertEquals(expected, kw.backupFiles());
            assertEquals(10, kw.state().liveCount("src"), "every file recorded");
            assertEquals(Map.of(), tree(kw.layout().journalDir()), "journal leftovers");
            assertEquals(Map.of(), tree(kw.layout().tmpDir()), "temp leftovers");
        }
    }

    private int countSteps(int crashPass) throws Exception {
        try (EngineFixture kw = new EngineFixture().withSourceAt("/src").start()) {
            prepareFirst(kw.src());
            if (crashPass == 2) {
                kw.passComplete();
                prepareSecond(kw.src());
            }
            kw.fs().crashAt(-1);
            int before = kw.fs().mutations();
            kw.passComplete();
            return kw.fs().mutations() - before;
        }
    }

    private void runWithCrash(int crashPass, int k) throws Exception {
        try (EngineFixture kw = new EngineFixture().withSourceAt("/src").start()) {
            prepareFirst(kw.src());
            if (crashPass == 2) {
                kw.passComplete();
                prepareSecond(kw.src());
            }
            kw.clock().advance(Duration.ofMinutes(1));
            kw.fs().crashAt(k);
            Engine engine = kw.open();
            boolean crashed = false;
            try {
                engine.runFull(Engine.PassOptions.DEFAULT);
                engine.commit();
            } catch (FaultyFs.Crash c) {
                crashed = true;
            }
            engine.abandon();
            assertTrue(crashed, "crash point " + k + " was not reached");
            kw.fs().crashAt(-1);
            kw.clock().advance(Duration.ofMinutes(1));
            kw.passComplete();
            if (crashPass == 1) {
                prepareSecond(kw.src());
                kw.passComplete();
            }
            String where = "crash in pass " + crashPass + " at step " + k;
            assertEquals(EXPECTED_AFTER_SECOND, kw.backupFiles(), where);
            assertStateMatchesDisk(kw, where);
            assertEquals(Map.of(), tree(kw.backup().resolve(".keepwatch/tmp")), where + ": temp leftovers");
            assertEquals(Map.of(), tree(kw.backup().resolve(".keepwatch/journal")), where + ": journal leftovers");
        }
    }

    /** Every copy, version and deletion the state records exists with its recorded hash; nothing else does. */
    private static void assertStateMatchesDisk(EngineFixture kw, String where) throws Exception {
        BackupState state = kw.state();
        BackupLayout layout = kw.layout();
        HashingCopier h = new HashingCopier(kw.fs(), kw.config().hashAlgorithm());
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
        assertEquals(kw.backupFiles().size(), recorded, where + ": files on disk the state does not know, or the reverse");
        assertEquals("A2", read(kw.src().resolve("a.txt")));
    }
}
