package io.keepwatch.daemon;

import static io.keepwatch.daemon.Harness.DEADLINE;
import static io.keepwatch.daemon.Harness.read;
import static io.keepwatch.daemon.Harness.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.keepwatch.watch.SourcePath;
import io.keepwatch.watch.WatchHandle;
import io.keepwatch.watch.Watchers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DaemonTest {
    @TempDir
    Path tmp;

    private static List<String> filesUnder(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        // Walked leniently: a copy staged by a pass under way can be moved away between listing and reading it.
        List<String> out = new java.util.ArrayList<>();
        Files.walkFileTree(root, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes a) {
                if (a.isRegularFile()) {
                    out.add(root.relativize(p).toString().replace('\\', '/'));
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return out.stream().sorted().toList();
    }

    /** The files under {@code root} but copies staged by a pass under way (which are moved into place by it). */
    private static List<String> backedUp(Path root) throws IOException {
        return filesUnder(root).stream()
                .filter(f -> !io.keepwatch.execute.StagingArea.isStagedName(f.substring(f.lastIndexOf('/') + 1))).toList();
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void createModifyDeleteAreBackedUpWhileRunning() throws Exception {
        try (Harness h = Harness.start(tmp, "a.txt", "one")) {
            assertEquals("one", read(h.copy("a.txt")), "the start-up reconciliation backs up what is already there");
            assertEquals(SourceState.OK, h.status().sources().get(0).state());
            assertTrue(h.status().sources().get(0).foldersWatched() >= 1);

            write(h.src, "b.txt", "new file");
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("b.txt")));
            assertEquals("new file", read(h.copy("b.txt")));

            write(h.src, "a.txt", "two");
            await().atMost(DEADLINE).until(() -> read(h.copy("a.txt")).equals("two"));
            assertEquals("one", read(h.backup.resolve("versions/src/a.txt/v1.bak")));

            Files.delete(h.src.resolve("b.txt"));
            await().atMost(DEADLINE).until(() -> !Files.exists(h.copy("b.txt")));
            assertEquals("new file", read(h.backup.resolve("_deleted/src/b.txt")));
            await().atMost(DEADLINE).untilAsserted(() -> {
                assertEquals(2L, h.status().counts().get("backed_up"), "a.txt at start-up, b.txt while running");
                assertEquals(1L, h.status().counts().get("updated"));
                assertEquals(1L, h.status().counts().get("deleted"));
            });
        }
        com.fasterxml.jackson.databind.JsonNode live = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(tmp.resolve("backup/state.json").toFile()).path("sources").path("src").path("files");
        assertTrue(live.has("a.txt"), live.toString());
        assertFalse(live.has("b.txt"), "the deletion was saved on stop: " + live);
    }

    @Test
    void renamesOfAFileAndAFolder() throws Exception {
        try (Harness h = Harness.start(tmp, "a.txt", "alpha", "dir/x.txt", "x", "dir/sub/y.txt", "y")) {
            Files.move(h.src.resolve("a.txt"), h.src.resolve("c.txt"));
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("c.txt")) && !Files.exists(h.copy("a.txt")));
            assertEquals("alpha", read(h.copy("c.txt")));
            assertEquals("alpha", read(h.backup.resolve("_deleted/src/a.txt")));

            Files.move(h.src.resolve("dir"), h.src.resolve("moved"));
            // The moved folder's files may be backed up in more than one batch (its subfolder is watched as it
            // is found), so wait for both of them.
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("moved/sub/y.txt")) && Files.exists(h.copy("moved/x.txt"))
                    && filesUnder(h.copy("dir")).isEmpty());
            assertEquals("x", read(h.copy("moved/x.txt")));
            assertEquals("y", read(h.copy("moved/sub/y.txt")));
            assertEquals(List.of("a.txt", "dir/sub/y.txt", "dir/x.txt"), filesUnder(h.backup.resolve("_deleted/src")));

            // A folder moved out of the tree yields one DELETE for the folder: everything under it is deleted.
            Files.move(h.src.resolve("moved"), tmp.resolve("outside"));
            await().atMost(DEADLINE).until(() -> filesUnder(h.copy("moved")).isEmpty());
            assertEquals(List.of("a.txt", "dir/sub/y.txt", "dir/x.txt", "moved/sub/y.txt", "moved/x.txt"),
                    filesUnder(h.backup.resolve("_deleted/src")));
        }
    }

    @Test
    void mkdirPWithFilesWrittenAtOnce() throws Exception {
        try (Harness h = Harness.start(tmp)) {
            Files.createDirectories(h.src.resolve("a/b/c"));
            write(h.src, "a/one.txt", "1");
            write(h.src, "a/b/two.txt", "2");
            write(h.src, "a/b/c/three.txt", "3");
            await().atMost(DEADLINE).until(() -> backedUp(h.backup.resolve("src")).size() == 3);
            assertEquals(List.of("a/b/c/three.txt", "a/b/two.txt", "a/one.txt"), filesUnder(h.backup.resolve("src")));
            assertEquals("3", read(h.copy("a/b/c/three.txt")));
            // The new folders are watched too.
            write(h.src, "a/b/c/four.txt", "4");
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("a/b/c/four.txt")));
        }
    }

    @Test
    void editorStyleSaveWritesATempFileAndRenamesItOver() throws Exception {
        try (Harness h = Harness.start(tmp, "doc.txt", "draft 1")) {
            Path temp = write(h.src, ".doc.txt.swp", "draft 2");
            Files.move(temp, h.src.resolve("doc.txt"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            await().atMost(DEADLINE).until(() -> read(h.copy("doc.txt")).equals("draft 2"));
            assertEquals("draft 1", read(h.backup.resolve("versions/src/doc.txt/v1.bak")));
            await().atMost(DEADLINE).until(() -> !Files.exists(h.copy(".doc.txt.swp")));
        }
    }

    @Test
    void fiftyRapidRewritesEndWithTheLastContentAndFewVersions() throws Exception {
        try (Harness h = Harness.start(tmp, "busy.txt", "v0")) {
            for (int i = 1; i <= 50; i++) {
                write(h.src, "busy.txt", "v" + i);
            }
            await().atMost(DEADLINE).until(() -> read(h.copy("busy.txt")).equals("v50"));
            List<String> versions = filesUnder(h.backup.resolve("versions/src/busy.txt"));
            assertTrue(versions.size() >= 1 && versions.size() < 50, "bounded versions, got " + versions);
        }
    }

    @Test
    void aBackupRootInsideTheSourceCausesNoRecursion() throws Exception {
        try (Harness h = Harness.start(tmp, "./src/backup", "", w -> w, t -> t, "f.txt", "0")) {
            assertEquals(List.of("src/f.txt"), filesUnder(h.backup).stream().filter(p -> !p.startsWith(".keepwatch")
                    && !p.equals("state.json")).toList());
            for (int i = 1; i <= 100; i++) {
                write(h.src, "f.txt", "edit " + i);
                String want = "edit " + i;
                await().atMost(DEADLINE).until(() -> read(h.copy("f.txt")).equals(want));
            }
            List<String> versions = filesUnder(h.backup.resolve("versions/src/f.txt"));
            assertEquals(100, versions.size());
            List<String> data = filesUnder(h.backup).stream()
                    .filter(p -> !p.startsWith(".keepwatch/") && !p.startsWith("state.json")).toList(); // .tmp: a save in flight
            assertEquals(101, data.size(), "the current copy and 100 versions, nothing of the backup root itself: " + data);
            assertFalse(data.stream().anyMatch(p -> p.startsWith("src/backup")), data.toString());
        }
    }

    @Test
    void aSourceRootDeletedAndRecreatedIsUnavailableNotDeleted() throws Exception {
        try (Harness h = Harness.start(tmp, "a.txt", "A", "d/b.txt", "B")) {
            Path saved = tmp.resolve("saved");
            Files.createDirectories(saved.resolve("d"));
            Files.copy(h.src.resolve("a.txt"), saved.resolve("a.txt"));
            Files.copy(h.src.resolve("d/b.txt"), saved.resolve("d/b.txt"));

            deleteTree(h.src);
            await().atMost(DEADLINE).until(() -> h.status().sources().get(0).state() == SourceState.UNAVAILABLE);
            assertEquals(List.of(), filesUnder(h.backup.resolve("_deleted")));

            Files.createDirectories(h.src);
            // An empty folder in its place is not "everything deleted" either.
            await().atMost(DEADLINE).untilAsserted(() -> assertTrue(h.status().lastError().orElse("").contains("UNAVAILABLE")));
            assertEquals(List.of(), filesUnder(h.backup.resolve("_deleted")));
            assertEquals(List.of("a.txt", "d/b.txt"), filesUnder(h.backup.resolve("src")));

            // The files come back (restored), one of them changed: watching resumes.
            Files.createDirectories(h.src.resolve("d"));
            Files.copy(saved.resolve("d/b.txt"), h.src.resolve("d/b.txt"));
            write(h.src, "a.txt", "A changed");
            await().atMost(DEADLINE).until(() -> h.status().sources().get(0).state() == SourceState.OK
                    && read(h.copy("a.txt")).equals("A changed"));
            write(h.src, "d/new.txt", "after");
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("d/new.txt")));
            assertEquals(List.of(), filesUnder(h.backup.resolve("_deleted")));
            assertEquals("A", read(h.backup.resolve("versions/src/a.txt/v1.bak")));
            // What a listener heard: the state at start, the loss and the return, and the passes that reconciled it.
            List<String> changes = h.heard.of(EngineEvent.SourceStateChanged.class).stream()
                    .map(c -> c.source() + " " + c.from().map(Enum::name).orElse("(start)") + " -> " + c.to()).toList();
            assertEquals(List.of("src (start) -> OK", "src OK -> UNAVAILABLE", "src UNAVAILABLE -> OK"), changes);
            List<Trigger> triggers = h.heard.of(EngineEvent.PassFinished.class).stream().map(EngineEvent.PassFinished::trigger)
                    .filter(t -> t != Trigger.BATCH).toList();
            // Start-up, then a pass each time it looked back (the empty folder too, depending on when the poll saw it).
            assertTrue(triggers.size() >= 2 && triggers.stream().allMatch(t -> t == Trigger.STARTUP), triggers.toString());
        }
    }

    @Test
    void changesMadeWhileTheStartUpScanRunsBesideTheWatchesAreBackedUp() throws Exception {
        try (Harness h = Harness.start(tmp, "a.txt", "one", "d/b.txt", "B", "d/e/c.txt", "C")) {
            assertEquals("C", read(h.copy("d/e/c.txt")));
        }
        // A restart: the start-up scan runs beside the registration of the watches (and the state load), each folder
        // read once it is watched. Right after the last folder is watched, before registering is over, files change
        // in every folder: whether the scan read each folder before or after, the watch or the scan sees it.
        Path src = tmp.resolve("src");
        java.util.function.Function<Watchers, Watchers> changing = w -> new Watchers() {
            @Override
            public WatchHandle start(io.keepwatch.config.SourceConfig source, io.keepwatch.watch.ChangeQueue queue)
                    throws IOException {
                return w.start(source, queue);
            }

            @Override
            public WatchHandle start(io.keepwatch.config.SourceConfig source, io.keepwatch.watch.ChangeQueue queue,
                    io.keepwatch.watch.Registration registration) throws IOException {
                WatchHandle handle = w.start(source, queue, registration);
                write(src, "a.txt", "two");
                write(src, "d/new.txt", "new");
                Files.delete(src.resolve("d/e/c.txt"));
                return handle;
            }
        };
        try (Harness h = Harness.start(tmp, "./backup", "", changing, t -> t)) {
            await().atMost(DEADLINE).untilAsserted(() -> {
                assertEquals("two", read(h.copy("a.txt")));
                assertEquals("new", read(h.copy("d/new.txt")));
                assertFalse(Files.exists(h.copy("d/e/c.txt")));
            });
            assertEquals("one", read(h.backup.resolve("versions/src/a.txt/v1.bak")));
            assertEquals("C", read(h.backup.resolve("_deleted/src/d/e/c.txt")));
            // And after start-up, as always.
            write(h.src, "d/e/later.txt", "later");
            await().atMost(DEADLINE).until(() -> read(h.copy("d/e/later.txt")).equals("later"));
        }
    }

    @Test
    void aSourceFoundEmptyAtStartIsUnavailableAndItsEarlyWatchIsDropped() throws Exception {
        try (Harness h = Harness.start(tmp, "a.txt", "A", "d/b.txt", "B")) {
            assertEquals("A", read(h.copy("a.txt")));
        }
        // Stopped; the disk's files vanish (an unmounted disk leaves an empty folder), then it starts again. The
        // watch was registered before the state was loaded; the state then says the folder should not be empty.
        deleteTree(tmp.resolve("src"));
        Files.createDirectories(tmp.resolve("src"));
        try (Harness h = Harness.start(tmp)) {
            assertEquals(SourceState.UNAVAILABLE, h.status().sources().get(0).state());
            assertEquals(0, h.status().sources().get(0).foldersWatched());
            assertEquals(List.of(), filesUnder(h.backup.resolve("_deleted")));
            // The files come back: the poll notices, watches again and reconciles.
            write(h.src, "a.txt", "A again");
            write(h.src, "d/b.txt", "B");
            await().atMost(DEADLINE).until(() -> h.status().sources().get(0).state() == SourceState.OK
                    && read(h.copy("a.txt")).equals("A again"));
            write(h.src, "d/new.txt", "new");
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("d/new.txt")));
            assertEquals(List.of(), filesUnder(h.backup.resolve("_deleted")));
        }
    }

    @Test
    void aFullQueueBecomesARescanThatFindsEveryChange() throws Exception {
        try (Harness h = Harness.start(tmp, "./backup", "", w -> w, t -> t.withQueueCapacity(16))) {
            for (int i = 0; i < 200; i++) {
                write(h.src, "many/f" + i + ".txt", "content " + i);
            }
            await().atMost(DEADLINE).until(() -> backedUp(h.backup.resolve("src/many")).size() == 200);
            assertEquals("content 199", read(h.copy("many/f199.txt")));
        }
    }

    @Test
    void overflowSignalledWithoutAnyPathStillBacksUpTheChange() throws Exception {
        // Watches that never report a path: only the queue-full rescan can find the change.
        Watchers silent = (source, queue) -> new WatchHandle() {
            @Override
            public int folders() {
                return 1;
            }

            @Override
            public void close() {
            }
        };
        try (Harness h = Harness.start(tmp, "./backup", "", w -> silent, t -> t.withQueueCapacity(16))) {
            write(h.src, "quiet.txt", "found by the rescan");
            // Offer until the queue refuses one (the engine thread drains it meanwhile): that one becomes a rescan.
            int[] n = {0};
            await().atMost(DEADLINE).until(() -> {
                for (int i = 0; i < 1000; i++) {
                    if (!h.daemon.queue().offer(new SourcePath("src", "nothing-here-" + n[0]++))) {
                        return true;
                    }
                }
                return false;
            });
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("quiet.txt")));
            assertEquals("found by the rescan", read(h.copy("quiet.txt")));
        }
    }

    @Test
    void theInotifyLimitFallsBackToPeriodicFullPasses() throws Exception {
        Watchers limited = (source, queue) -> {
            throw new IOException("User limit of inotify watches reached");
        };
        try (Harness h = Harness.start(tmp, "./backup", "", w -> limited, t -> t.withLimitRescan(Duration.ofMillis(300)),
                "a.txt", "1")) {
            assertEquals(SourceState.POLLING, h.status().sources().get(0).state());
            assertTrue(h.status().lastError().orElse("").contains("fs.inotify.max_user_watches"), h.status().lastError().toString());
            assertTrue(h.status().lastError().orElse("").contains("sysctl fs.inotify.max_user_watches=524288"));
            write(h.src, "b.txt", "polled");
            await().atMost(DEADLINE).until(() -> Files.exists(h.copy("b.txt")));
            assertEquals("polled", read(h.copy("b.txt")));
        }
    }

    @Test
    void theStatusFileSaysStoppedAfterStop() throws Exception {
        Harness h = Harness.start(tmp, "a.txt", "1");
        try {
            assertTrue(h.status().running());
            assertEquals(ProcessHandle.current().pid(), h.status().pid());
        } finally {
            h.close();
        }
        ServiceStatus s = StatusFile.read(tmp.resolve("backup/.keepwatch/status.json"));
        assertFalse(s.running());
        assertEquals("stopped", s.activity());
        // Owner-only whatever the umask (the test runs with the shell's, 022 here): it names the sources and the last error.
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("backup/.keepwatch/status.json"))));
    }
}
