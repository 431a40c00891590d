package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.GuardConfig;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.RecordingListener;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The deletion guard in the engine, on jimfs: mass deletions are held, shown and released; the rest goes on. */
class DeletionGuardTest {
    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    private void files(String folder, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            kw.write(folder + "/f" + i + ".txt", folder + " " + i);
        }
    }

    private void deleteFiles(String folder, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            Files.delete(kw.src().resolve(folder + "/f" + i + ".txt"));
        }
    }

    private long deletedCopies() throws IOException {
        Path d = kw.backup().resolve("_deleted/src");
        if (!Files.exists(d)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).count();
        }
    }

    private int live() throws Exception {
        return kw.state().liveCount("src");
    }

    /** The default limit (more than 50% and at least 1,000 files), with files kept so the source is never empty. */
    @ParameterizedTest(name = "{0} tracked, {1} deleted: held={2}")
    @CsvSource({
            "3000, 1400, false", // below 50%
            "2000, 1000, false", // at 50%
            "2000, 1001, true",  // above 50%, above 1,000 files
            "1500,  999, false", // above 50%, below 1,000 files
            "1500, 1000, true",  // above 50%, at 1,000 files
    })
    void defaultLimitHoldsMoreThanHalfAndAtLeastAThousandFiles(int tracked, int deleted, boolean held) throws Exception {
        files("d", tracked);
        assertTrue(kw.pass().complete());
        deleteFiles("d", deleted);
        kw.write("new.txt", "a new file");
        PassResult r;
        try (LogCapture log = new LogCapture()) {
            r = kw.pass();
            assertEquals(held, log.has("WARN HELD: " + deleted + " deletion(s) in src: " + deleted + " of " + tracked
                    + " backed-up files"), log.lines().toString());
        }
        assertEquals(held ? Map.of("src", deleted) : Map.of(), r.held());
        assertEquals(held ? 0 : deleted, r.counts().deleted());
        assertEquals(held ? 0 : deleted, deletedCopies());
        assertEquals(held, !r.complete(), "a pass with held deletions is partial (exit 2)");
        // Everything else was done: the new file is backed up.
        assertEquals("a new file", TestFs.read(kw.backup().resolve("src/new.txt")));
        assertEquals(tracked + 1 - (held ? 0 : deleted), live());
    }

    @Test
    void heldDeletionsStayHeldAcrossRestartsUntilAcceptedOrBack() throws Exception {
        files("d", 1200);
        files("keep", 10);
        kw.pass();
        deleteFiles("d", 1200);
        assertEquals(Map.of("src", 1200), kw.pass().held());
        // A new engine (a restart) finds the same files gone and holds them again; the WARN comes once per run.
        try (LogCapture log = new LogCapture()) {
            PassResult again = kw.pass();
            assertEquals(Map.of("src", 1200), again.held());
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN HELD: 1200 deletion(s) in src")).count());
        }
        assertEquals(0, deletedCopies());
        assertEquals(1210, live());

        // Some files come back: fewer are held.
        files("d", 300);
        deleteFiles("d", 100); // 100 of those gone again; 200 back
        assertEquals(Map.of("src", 1000), kw.pass().held());

        // Accepted: every file gone is moved to _deleted/, and nothing is held any more.
        PassResult accepted = kw.pass(new Engine.PassOptions(false, Set.of(), Set.of("src")));
        assertTrue(accepted.complete(), accepted.toString());
        assertEquals(1000, accepted.counts().deleted());
        assertEquals(1000, deletedCopies());
        assertEquals(210, live());
        assertTrue(kw.pass().complete());
    }

    @Test
    void aServiceBatchThatWouldDeleteTooMuchIsHeldAndAFullPassKeepsItHeld() throws Exception {
        files("big", 1500);
        files("small", 20);
        kw.pass();
        deleteFiles("big", 1500);
        Files.delete(kw.src().resolve("big"));
        try (Engine e = kw.open()) {
            PassResult batch = e.runPaths("src", List.of("big"));
            assertEquals(Map.of("src", 1500), batch.held());
            assertEquals(1500, e.heldDeletions("src"));
            // A small deletion in a later batch goes through; the held ones stay held.
            Files.delete(kw.src().resolve("small/f0.txt"));
            PassResult small = e.runPaths("src", List.of("small/f0.txt"));
            assertEquals(1, small.counts().deleted());
            assertEquals(1500, e.heldDeletions("src"));
            assertEquals(Map.of("src", 1500), e.runSource("src", io.keepwatch.events.Trigger.FULL_PASS).held());
        }
        assertEquals(1, deletedCopies());
    }

    @Test
    void eachPassOfASourceWithHeldDeletionsTellsListenersBeforeItEndsAndNoneAfterTheyAreAccepted() throws Exception {
        files("big", 1500);
        files("small", 20);
        kw.pass();
        deleteFiles("big", 1500);
        RecordingListener heard = new RecordingListener();
        try (Engine e = kw.open(heard)) {
            e.runFull(Engine.PassOptions.DEFAULT);
            List<EngineEvent> got = heard.events();
            assertEquals(List.of(new EngineEvent.DeletionsHeld(kw.clock().instant(), "src", 1500)),
                    heard.of(EngineEvent.DeletionsHeld.class));
            assertTrue(got.get(got.size() - 1) instanceof EngineEvent.PassFinished, got.toString());
            assertTrue(got.get(got.size() - 2) instanceof EngineEvent.DeletionsHeld, got.toString());
            heard.clear();
            Files.writeString(kw.src().resolve("new.txt"), "n");
            e.runPaths("src", List.of("new.txt"));
            assertEquals(1, heard.of(EngineEvent.DeletionsHeld.class).size(), "a batch says so too");
            heard.clear();
            e.runFull(new Engine.PassOptions(false, Set.of(), Set.of("src")));
            assertEquals(List.of(), heard.of(EngineEvent.DeletionsHeld.class));
        }
        assertEquals(1500, deletedCopies());
    }

    @Test
    void aSourceWithoutItsMarkerFileIsUnavailableAndNothingOfItIsDeleted() throws Exception {
        kw.config(TestFs.config(kw.path("/etc"), kw.backup(), RetentionConfig.defaults(),
                new SourceConfig("src", kw.src(), Set.of(), new GuardConfig(50, 1000, Optional.of(".stfolder")))));
        kw.write("a.txt", "alpha");
        kw.write("b.txt", "beta");
        try (LogCapture log = new LogCapture()) {
            assertEquals(List.of("src"), kw.pass().unavailable());
            assertTrue(log.has("ERROR Source src is UNAVAILABLE: its marker '.stfolder' is missing in '/data/src'"), log.lines().toString());
        }
        assertFalse(Files.exists(kw.backup().resolve("src/a.txt")));
        Files.createDirectory(kw.src().resolve(".stfolder")); // Syncthing's marker is a folder
        assertTrue(kw.pass().complete());
        assertEquals("alpha", TestFs.read(kw.backup().resolve("src/a.txt")));
        // What an unmounted disk leaves: a folder without the marker (here with a stray file in it).
        Files.delete(kw.src().resolve("a.txt"));
        Files.delete(kw.src().resolve(".stfolder"));
        assertEquals(List.of("src"), kw.pass().unavailable());
        assertEquals(0, deletedCopies());
        Files.createDirectory(kw.src().resolve(".stfolder"));
        assertEquals(1, kw.pass().counts().deleted());
    }

    /** A filesystem mounted on src/m: its folders are on disk {@code device}, the rest on the root disk. */
    private void mountedAt(String rel, String device) {
        Path m = kw.src().resolve(rel);
        kw.fs().deviceOf(p -> Optional.of(p.startsWith(m) ? device : "root-disk"));
    }

    private void unmounted() {
        kw.fs().deviceOf(p -> Optional.of("root-disk"));
    }

    @Test
    void anUnmountedSubfolderIsUnavailableNothingUnderItIsDeletedAndItResumesWhenMountedAgain() throws Exception {
        files("keep", 3);
        mountedAt("m", "disk-1");
        files("m", 5);
        assertTrue(kw.pass().complete());
        assertTrue(Files.readString(kw.backup().resolve(".keepwatch/guard.json")).contains("\"m\""));

        // Unmounted: what is left is an empty folder on the root disk. Someone writes a file into it.
        deleteFiles("m", 5);
        unmounted();
        kw.write("m/stray.txt", "written into the empty mount point");
        kw.write("keep/new.txt", "new");
        PassResult r;
        try (LogCapture log = new LogCapture()) {
            r = kw.pass();
            assertTrue(log.has("ERROR Folder src/m is UNAVAILABLE: it is no longer a mount point"), log.lines().toString());
        }
        assertEquals(List.of("src/m"), r.unavailableFolders());
        assertFalse(r.complete(), "partial: exit 2");
        assertEquals(0, r.counts().deleted());
        assertEquals(0, deletedCopies());
        assertEquals("new", TestFs.read(kw.backup().resolve("src/keep/new.txt")), "the rest of the source is backed up");
        assertFalse(Files.exists(kw.backup().resolve("src/m/stray.txt")));
        // Also in the service's batches and its poll.
        try (Engine e = kw.open()) {
            PassResult batch = e.runPaths("src", List.of("m", "m/f0.txt", "m/stray.txt"));
            assertEquals(List.of("src/m"), batch.unavailableFolders());
            assertEquals(0, batch.counts().deleted());
            assertFalse(e.pollMounts("src"));
            assertEquals(Set.of("m"), e.unavailableFolders("src").keySet());
            // Mounted again (a new device number, as tmpfs gets), the same files back.
            Files.delete(kw.src().resolve("m/stray.txt"));
            files("m", 5);
            mountedAt("m", "disk-2");
            assertTrue(e.pollMounts("src"), "the poll sees it back");
            PassResult back = e.runSource("src", io.keepwatch.events.Trigger.FULL_PASS);
            assertTrue(back.complete(), back.toString());
            assertEquals(Map.of(), e.unavailableFolders("src"));
        }
        assertEquals(0, deletedCopies());
        assertTrue(Files.readString(kw.backup().resolve(".keepwatch/guard.json")).contains("disk-2"));

        // Unmounted for good: accepting the deletions forgets the mount point and moves its files to _deleted/.
        deleteFiles("m", 5);
        Files.delete(kw.src().resolve("m"));
        unmounted();
        assertEquals(List.of("src/m"), kw.pass().unavailableFolders());
        PassResult accepted = kw.pass(new Engine.PassOptions(false, Set.of(), Set.of("src")));
        assertTrue(accepted.complete(), accepted.toString());
        assertEquals(5, accepted.counts().deleted());
        assertTrue(kw.pass().complete());
    }

    @Test
    void aSourceFolderMovedAwayAndMadeAnewHoldsEveryDeletion() throws Exception {
        files("d", 20);
        kw.pass();
        Path away = kw.path("/data/src-old");
        Files.move(kw.src(), away);
        Files.createDirectories(kw.src());
        kw.write("todo.txt", "a new file in the new folder");
        PassResult r;
        try (LogCapture log = new LogCapture()) {
            r = kw.pass();
            assertTrue(log.has("WARN HELD: 20 deletion(s) in src: the source folder was replaced"), log.lines().toString());
        }
        assertEquals(Map.of("src", 20), r.held(), "20 of 21 is below 1,000 files, but the folder is another one");
        assertEquals(0, deletedCopies());
        assertEquals("a new file in the new folder", TestFs.read(kw.backup().resolve("src/todo.txt")));
        assertEquals(Map.of("src", 20), kw.pass().held(), "still held at the next run");

        // The old folder back in its place: nothing held, nothing deleted.
        Files.move(kw.src().resolve("todo.txt"), away.resolve("todo.txt"));
        Files.delete(kw.src());
        Files.move(away, kw.src());
        assertTrue(kw.pass().complete());
        assertEquals(0, deletedCopies());

        // A folder made anew with everything in it (a restore, say) is taken as the source.
        Path copy = kw.path("/data/src-copy");
        Files.createDirectories(copy);
        try (Stream<Path> s = Files.walk(kw.src())) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.equals(kw.src())) {
                    Files.copy(p, copy.resolve(kw.src().relativize(p).toString()));
                }
            }
        }
        Files.move(kw.src(), away);
        Files.move(copy, kw.src());
        assertTrue(kw.pass().complete());
        Files.delete(kw.src().resolve("d/f0.txt"));
        assertEquals(1, kw.pass().counts().deleted(), "the new folder is the source now");
    }

    @Test
    void aRequestFileReleasesTheHeldDeletionsAtTheNextFullPassOnceAndAnOldOneIsDropped() throws Exception {
        files("d", 1100);
        files("keep", 10);
        kw.pass();
        deleteFiles("d", 1100);
        io.keepwatch.guard.AcceptRequests requests = new io.keepwatch.guard.AcceptRequests(kw.layout(), kw.fs());
        try (Engine e = kw.open()) {
            assertEquals(1100, e.runSource("src", io.keepwatch.events.Trigger.FULL_PASS).held().get("src"));
            // An old request (the service was stopped before it took it) releases nothing.
            requests.request("src", kw.clock().instant().minus(java.time.Duration.ofHours(2)));
            assertTrue(e.acceptRequested("src"));
            assertEquals(1100, e.runSource("src", io.keepwatch.events.Trigger.FULL_PASS).held().get("src"));
            assertFalse(e.acceptRequested("src"), "dropped");
            // A batch does not take a request; the next full pass does.
            requests.request("src", kw.clock().instant());
            e.runPaths("src", List.of("keep/f0.txt"));
            assertTrue(e.acceptRequested("src"));
            PassResult released = e.runSource("src", io.keepwatch.events.Trigger.FULL_PASS);
            assertEquals(Map.of(), released.held());
            assertEquals(1100, released.counts().deleted());
            assertFalse(e.acceptRequested("src"));
        }
        assertEquals(1100, deletedCopies());
    }

    @Test
    void limitsComeFromTheSourcesDeletionGuard() throws Exception {
        kw.config(TestFs.config(kw.path("/etc"), kw.backup(), RetentionConfig.defaults(),
                new SourceConfig("src", kw.src(), Set.of(), new GuardConfig(10, 5, Optional.empty()))));
        files("d", 40);
        kw.pass();
        deleteFiles("d", 4);
        assertEquals(4, kw.pass().counts().deleted(), "fewer than 5 files: not held");
        for (int i = 4; i < 9; i++) {
            Files.delete(kw.src().resolve("d/f" + i + ".txt"));
        }
        assertEquals(Map.of("src", 5), kw.pass().held(), "5 of 36 (14%) is more than 10%");
    }
}
