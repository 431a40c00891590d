package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.tree;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.StateException;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine on jimfs: decisions, layout, log lines, safety rules, faults injected through the Fs seam. */
class EngineTest {
    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    @Test
    void firstPassCopiesEverySourceAndKeepsDuplicatesApart() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("b.txt", "alpha");
        kw.write("sub/c.txt", "gamma");
        kw.write("empty1", "");
        kw.write("empty2", "");
        PassResult r;
        try (LogCapture log = new LogCapture()) {
            r = kw.pass();
            assertTrue(log.has("INFO BACKUP: /data/src/a.txt → src/a.txt"), log.lines().toString());
            assertTrue(log.has("INFO DUPLICATE: /data/src/b.txt → _duplicates/src/b.txt (same content as src/a.txt)"));
        }
        assertEquals(Map.of("src/a.txt", "alpha", "src/sub/c.txt", "gamma", "src/empty1", "", "src/empty2", "",
                "_duplicates/src/b.txt", "alpha"), kw.backupFiles());
        assertEquals("4 backed up, 0 updated, 1 duplicate, 0 deleted, 0 unchanged, 0 failed", r.counts().summary());
        assertTrue(r.complete());
        assertEquals("src/a.txt", kw.state().live(new FileRef("src", "b.txt")).orElseThrow().duplicateOf());
    }

    @Test
    void modifiedFileKeepsItsOldVersionAndDeletedFileMovesToDeleted() throws Exception {
        kw.write("a.txt", "one");
        kw.write("gone.txt", "bye");
        kw.pass();
        kw.clock().advance(Duration.ofMinutes(1));
        kw.write("a.txt", "two");
        Files.delete(kw.src().resolve("gone.txt"));
        try (LogCapture log = new LogCapture()) {
            PassResult r = kw.pass();
            assertEquals("0 backed up, 1 updated, 0 duplicates, 1 deleted, 0 unchanged, 0 failed", r.counts().summary());
            assertTrue(log.has("INFO ARCHIVE: src/a.txt → versions/src/a.txt/v1.bak"), log.lines().toString());
            assertTrue(log.has("INFO UPDATED: /data/src/a.txt → src/a.txt"));
            assertTrue(log.has("INFO ARCHIVE DELETE: src/gone.txt → _deleted/src/gone.txt"));
            assertTrue(log.has("INFO STATE REMOVE: src/gone.txt"));
        }
        assertEquals(Map.of("src/a.txt", "two", "versions/src/a.txt/v1.bak", "one", "_deleted/src/gone.txt", "bye"), kw.backupFiles());
        BackupState s = kw.state();
        var v1 = s.history(new FileRef("src", "a.txt")).versions().get(0);
        assertEquals(Instant.parse("2026-03-01T10:00:00Z"), v1.since());
        assertEquals(Instant.parse("2026-03-01T10:01:00Z"), v1.archivedAt());
        assertEquals(Instant.parse("2026-03-01T10:01:00Z"), s.history(new FileRef("src", "gone.txt")).deletions().get(0).deletedAt());
    }

    /** A pass in chunks of {@code files} files, saving the state after every {@code actions} actions. */
    private PassResult chunkedPass(int files, int actions) throws Exception {
        try (Engine e = kw.open()) {
            e.limitChunks(Long.MAX_VALUE, files, actions);
            return e.runFull(Engine.PassOptions.DEFAULT);
        }
    }

    @Test
    void aPassInManyChunksCopiesEachWhileThePreviousOneIsExecutedAndLosesNothing() throws Exception {
        for (int i = 0; i < 9; i++) {
            write(kw.src().resolve("d" + (i % 3) + "/f" + i + ".txt"), "content " + i);
        }
        kw.write("d2/same-as-f0.txt", "content 0");
        PassResult first = chunkedPass(2, 5);
        assertTrue(first.complete());
        assertEquals(9, first.counts().backedUp());
        assertEquals(1, first.counts().duplicates());
        Map<String, String> files = kw.backupFiles();
        assertEquals(10, files.size());
        assertEquals("content 0", files.get("_duplicates/src/d2/same-as-f0.txt"));
        assertEquals(Map.of(), tree(kw.layout().journalDir()), "all saved at the end");
        assertEquals(Map.of(), tree(kw.layout().tmpDir()));
        assertEquals(10, kw.state().liveCount("src"));

        kw.clock().advance(Duration.ofMinutes(1));
        for (int i = 0; i < 9; i += 3) {
            write(kw.src().resolve("d" + (i % 3) + "/f" + i + ".txt"), "edited " + i);
        }
        Files.delete(kw.src().resolve("d1/f1.txt"));
        kw.write("d1/new.txt", "new");
        PassResult second = chunkedPass(2, 5);
        assertEquals(3, second.counts().updated());
        assertEquals(1, second.counts().deleted());
        assertEquals(1, second.counts().backedUp());
        assertEquals("content 3", read(kw.backup().resolve("versions/src/d0/f3.txt/v1.bak")));
        assertEquals("edited 3", read(kw.backup().resolve("src/d0/f3.txt")));
        assertEquals("content 1", read(kw.backup().resolve("_deleted/src/d1/f1.txt")));
        assertEquals(10, kw.state().liveCount("src"));
    }

    @Test
    void filesGoneFromTheStartMiddleAndEndOfTheSortedTreeAreAllDeleted() throws Exception {
        for (String rel : List.of("a.txt", "b/1.txt", "b/2.txt", "m.txt", "n/x.txt", "z.txt", "zz/last.txt")) {
            kw.write(rel, "content of " + rel);
        }
        kw.pass();
        for (String rel : List.of("a.txt", "b/1.txt", "m.txt", "zz/last.txt")) {
            Files.delete(kw.src().resolve(rel));
        }
        kw.write("c.txt", "new between");
        PassResult r = kw.pass();
        assertEquals(4, r.counts().deleted());
        assertEquals(1, r.counts().backedUp());
        assertEquals(3, r.counts().unchanged());
        for (String rel : List.of("a.txt", "b/1.txt", "m.txt", "zz/last.txt")) {
            assertEquals("content of " + rel, read(kw.backup().resolve("_deleted/src/" + rel)), rel);
        }
        assertEquals(java.util.Set.of("b/2.txt", "c.txt", "n/x.txt", "z.txt"), kw.state().liveFiles("src").keySet());
    }

    @Test
    void everyFolderAPassChangedIsSyncedBeforeTheStateThatRecordsItIsSaved() throws Exception {
        kw.write("a/x.txt", "x");
        kw.write("b/c/y.txt", "y");
        kw.write("gone.txt", "bye");
        kw.pass();
        Files.delete(kw.src().resolve("gone.txt"));
        kw.write("a/x.txt", "x2");
        List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        io.keepwatch.fs.Fs real = new RealFs(false, ms -> { });
        io.keepwatch.fs.Fs recording = new io.keepwatch.testing.ForwardingFs(real) {
            @Override
            public void syncDirectory(Path dir) {
                events.add("sync " + dir);
            }

            @Override
            public boolean syncFileSystem(Path path) {
                return false; // so each folder is synced on its own, and recorded
            }

            @Override
            public void replaceAtomically(Path from, Path to) throws IOException {
                events.add("replace " + to);
                super.replaceAtomically(from, to);
            }
        };
        try (Engine e = kw.open(recording)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        int saved = events.indexOf("replace " + kw.backup().resolve("state.json"));
        assertTrue(saved > 0, events.toString());
        for (String dir : List.of("/backup/src", "/backup/src/a", "/backup/versions/src/a/x.txt", "/backup/_deleted/src")) {
            int synced = events.indexOf("sync " + dir);
            assertTrue(synced >= 0 && synced < saved, dir + " synced before state.json is replaced: " + events);
        }
    }

    @Test
    void everyStagedCopyIsDurableBeforeItIsMovedIntoPlaceInEveryChunk() throws Exception {
        for (int i = 0; i < 30; i++) {
            write(kw.src().resolve("d" + (i % 4) + "/f" + i + ".txt"), "content " + i);
        }
        java.util.Set<Path> synced = java.util.concurrent.ConcurrentHashMap.newKeySet();
        List<String> early = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        io.keepwatch.fs.Fs real = new RealFs(false, ms -> { });
        io.keepwatch.fs.Fs recording = new io.keepwatch.testing.ForwardingFs(real) {
            @Override
            public void syncFile(Path file) throws IOException {
                synced.add(file);
                super.syncFile(file);
            }

            @Override
            public boolean syncFileSystem(Path path) {
                return false; // each staged copy is then fsynced on its own, and recorded
            }

            @Override
            public void moveNoReplace(Path from, Path to) throws IOException {
                if (io.keepwatch.execute.StagingArea.isStagedName(from.getFileName().toString()) && !synced.contains(from)) {
                    early.add(from + " -> " + to);
                }
                super.moveNoReplace(from, to);
            }
        };
        try (Engine e = kw.open(recording)) {
            e.limitChunks(Long.MAX_VALUE, 4, 1000);
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        assertEquals(List.of(), early, "moved into place before it was fsynced");
        assertEquals(30, kw.backupFiles().size());
        assertTrue(synced.size() >= 30, synced.toString());
    }

    @Test
    void aChunkThatCannotBeJournaledStopsThePassAndTheNextChunksCopiesAreRemoved() throws Exception {
        for (int i = 0; i < 8; i++) {
            kw.write("f" + i + ".txt", "content " + i);
        }
        kw.fs().failCreate(FaultyFs.when(p -> p.toString().contains("/.keepwatch/journal/"), p -> new IOException("No space left on device")));
        IOException e = assertThrows(IOException.class, () -> chunkedPass(3, 100));
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertEquals(Map.of(), kw.backupFiles(), "nothing reached a final path");
        assertEquals(Map.of(), tree(kw.layout().tmpDir()),
                "the failed chunk's copies and those of the chunk after it are removed");

        kw.fs().failCreate(p -> { });
        PassResult r = chunkedPass(3, 100);
        assertTrue(r.complete());
        assertEquals(8, r.counts().backedUp());
        assertEquals(8, kw.backupFiles().size());
    }

    @Test
    void twelveEditsWithTenVersionsKeepV3ToV12() throws Exception {
        kw.write("a.txt", "edit 0");
        kw.pass();
        for (int i = 1; i <= 12; i++) {
            kw.write("a.txt", "edit " + i);
            kw.pass();
        }
        Map<String, String> files = kw.backupFiles();
        for (int n = 3; n <= 12; n++) {
            assertEquals("edit " + (n - 1), files.get("versions/src/a.txt/v" + n + ".bak"), "v" + n);
        }
        assertFalse(files.containsKey("versions/src/a.txt/v1.bak"));
        assertFalse(files.containsKey("versions/src/a.txt/v2.bak"));
        assertEquals(10, files.keySet().stream().filter(k -> k.startsWith("versions/")).count());
        assertEquals("edit 12", files.get("src/a.txt"));
    }

    @Test
    void aSecondDeletionOfTheSamePathNeverOverwritesTheFirst() throws Exception {
        kw.write("keep.txt", "keeps the source from looking unmounted");
        kw.write("a.txt", "first life");
        kw.pass();
        Files.delete(kw.src().resolve("a.txt"));
        kw.pass();
        kw.write("a.txt", "second life");
        kw.pass();
        Files.delete(kw.src().resolve("a.txt"));
        kw.pass();
        assertEquals("first life", read(kw.backup().resolve("_deleted/src/a.txt")));
        assertEquals("second life", read(kw.backup().resolve("_deleted/src/a.txt.~2~")));
    }

    @Test
    void fileReplacedByFolderAndBack() throws Exception {
        kw.write("keep.txt", "keeps the source from looking unmounted");
        kw.write("x", "a file");
        kw.pass();
        Files.delete(kw.src().resolve("x"));
        kw.write("x/inner.txt", "inside");
        kw.pass();
        assertEquals("inside", read(kw.backup().resolve("src/x/inner.txt")));
        assertEquals("a file", read(kw.backup().resolve("_deleted/src/x")));
        Files.delete(kw.src().resolve("x/inner.txt"));
        Files.delete(kw.src().resolve("x"));
        kw.write("x", "a file again");
        kw.pass();
        assertEquals("a file again", read(kw.backup().resolve("src/x")));
        // The first deletion holds the name "x" in _deleted, so the folder's file goes beside it.
        assertEquals("inside", read(kw.backup().resolve("_deleted/src/x.~2~/inner.txt")));
    }

    @Test
    void unchangedPassReadsNothingAndWritesNothing() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        FileTime saved = Files.getLastModifiedTime(kw.backup().resolve("state.json"));
        AtomicInteger opened = new AtomicInteger();
        kw.fs().afterOpenSource(opened::incrementAndGet);
        kw.clock().advance(Duration.ofHours(1));
        PassResult r = kw.pass();
        assertEquals("0 backed up, 0 updated, 0 duplicates, 0 deleted, 1 unchanged, 0 failed", r.counts().summary());
        assertEquals(0, opened.get());
        assertEquals(saved, Files.getLastModifiedTime(kw.backup().resolve("state.json")));
    }

    @Test
    void touchedFileWithSameContentIsUnchangedAndNotVersioned() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        Files.setLastModifiedTime(kw.src().resolve("a.txt"), FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
        PassResult r = kw.pass();
        assertEquals(0, r.counts().updated());
        assertFalse(Files.exists(kw.backup().resolve("versions")));
        assertEquals(FileTime.from(Instant.parse("2030-01-01T00:00:00Z")).to(java.util.concurrent.TimeUnit.NANOSECONDS),
                kw.state().live(new FileRef("src", "a.txt")).orElseThrow().mtime());
    }

    @Test
    void copiesKeepMtimeAndPermissions() throws Exception {
        kw.write("a.sh", "#!/bin/sh");
        Files.setPosixFilePermissions(kw.src().resolve("a.sh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-x---"));
        FileTime mtime = FileTime.from(Instant.parse("2020-05-05T05:05:05.123456Z"));
        Files.setLastModifiedTime(kw.src().resolve("a.sh"), mtime);
        kw.pass();
        assertEquals(mtime, Files.getLastModifiedTime(kw.backup().resolve("src/a.sh")));
        assertEquals("rwxr-x---", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(kw.backup().resolve("src/a.sh"))));
    }

    @Test
    void changingTheHashAlgorithmCreatesNoVersions() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("b.txt", "beta");
        kw.pass();
        Files.delete(kw.src().resolve("b.txt"));
        kw.pass();
        kw.config(new Config(kw.config().configFile(), kw.config().sources(), kw.backup(), kw.config().logDir(), HashAlgorithm.SHA512,
                kw.config().retention(), kw.config().exclude(), kw.config().watch()));
        PassResult r = kw.pass();
        assertEquals(0, r.counts().updated());
        assertEquals(0, r.counts().backedUp());
        BackupState s = kw.state();
        assertEquals("sha512", s.hashAlgorithm());
        assertTrue(s.live(new FileRef("src", "a.txt")).orElseThrow().hash().startsWith("sha512:"));
        assertTrue(s.history(new FileRef("src", "b.txt")).deletions().get(0).hash().startsWith("sha512:"));
        assertFalse(Files.exists(kw.backup().resolve("versions")));
    }

    @Test
    void missingSourceIsUnavailableNotDeleted() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        Path moved = kw.path("/data/elsewhere");
        Files.move(kw.src(), moved);
        try (LogCapture log = new LogCapture()) {
            PassResult r = kw.pass();
            assertEquals(List.of("src"), r.unavailable());
            assertTrue(log.lines().stream().anyMatch(l -> l.startsWith("ERROR Source src is UNAVAILABLE: folder '/data/src' does not exist")),
                    log.lines().toString());
        }
        assertFalse(Files.exists(kw.backup().resolve("_deleted")));
        Files.move(moved, kw.src());
        kw.write("b.txt", "beta");
        PassResult back = kw.pass();
        assertTrue(back.complete());
        assertEquals(Map.of("src/a.txt", "alpha", "src/b.txt", "beta"), kw.backupFiles());
    }

    @Test
    void suddenlyEmptySourceIsUnavailableUntilAccepted() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        Files.delete(kw.src().resolve("a.txt"));
        PassResult r = kw.pass();
        assertEquals(List.of("src"), r.unavailable());
        assertFalse(Files.exists(kw.backup().resolve("_deleted")));
        PassResult accepted = kw.pass(new Engine.PassOptions(false, Set.of("src")));
        assertEquals(1, accepted.counts().deleted());
        assertEquals("alpha", read(kw.backup().resolve("_deleted/src/a.txt")));
    }

    @Test
    void aSourceMountedAgainUnderANewDeviceNumberIsTheSameSource() throws Exception {
        // Regression: tmpfs, NFS and FUSE get a new device number at every mount; the source stayed UNAVAILABLE forever.
        kw.fs().deviceOf(p -> Optional.of(p.startsWith(kw.src()) ? "disk-1" : "root-disk"));
        kw.write("a.txt", "alpha");
        kw.write("b.txt", "beta");
        kw.pass();
        kw.fs().deviceOf(p -> Optional.of(p.startsWith(kw.src()) ? "disk-2" : "root-disk"));
        kw.write("a.txt", "alpha 2");
        PassResult r = kw.pass();
        assertTrue(r.complete(), r.toString());
        assertEquals("alpha 2", read(kw.backup().resolve("src/a.txt")));
        assertEquals("alpha", read(kw.backup().resolve("versions/src/a.txt/v1.bak")));
        assertEquals("beta", read(kw.backup().resolve("src/b.txt")));
        assertFalse(Files.exists(kw.backup().resolve("_deleted")));
        // Unmounted: the folder is now on its parent's device, so it is not taken for the disk.
        kw.fs().deviceOf(p -> Optional.of("root-disk"));
        assertEquals(List.of("src"), kw.pass().unavailable());
    }

    @Test
    void sourceOnAnotherDeviceThanRecordedIsUnavailable() throws Exception {
        kw.fs().device("disk-1");
        kw.write("a.txt", "alpha");
        kw.pass();
        kw.fs().device("root-disk");
        kw.write("a.txt", "what the empty mount point's disk shows");
        PassResult r = kw.pass();
        assertEquals(List.of("src"), r.unavailable());
        assertEquals("alpha", read(kw.backup().resolve("src/a.txt")));
        kw.fs().device("disk-1");
        assertTrue(kw.pass().complete());
    }

    @Test
    void unreadableFileIsReportedAndTheOthersAreBackedUp() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("secret.txt", "hidden");
        kw.write("z.txt", "zulu");
        kw.fs().failOpenSource(FaultyFs.when(p -> p.endsWith("secret.txt"), p -> new AccessDeniedException(p.toString())));
        PassResult r;
        try (LogCapture log = new LogCapture()) {
            r = kw.pass();
            assertTrue(log.has("ERROR FAILED: src/secret.txt: AccessDeniedException: /data/src/secret.txt"), log.lines().toString());
        }
        assertEquals(1, r.counts().failed());
        assertFalse(r.complete());
        assertEquals(Map.of("src/a.txt", "alpha", "src/z.txt", "zulu"), kw.backupFiles());
        kw.fs().failOpenSource(p -> { });
        assertTrue(kw.pass().complete());
        assertEquals("hidden", read(kw.backup().resolve("src/secret.txt")));
    }

    @Test
    void unreadableFileThatWasBackedUpIsNotTakenAsDeleted() throws Exception {
        kw.write("a.txt", "v1");
        kw.pass();
        kw.write("a.txt", "v2!");
        kw.fs().failOpenSource(FaultyFs.when(p -> p.endsWith("a.txt"), p -> new AccessDeniedException(p.toString())));
        kw.pass();
        assertFalse(Files.exists(kw.backup().resolve("_deleted")));
        assertEquals("v1", read(kw.backup().resolve("src/a.txt")));
    }

    @Test
    void fileVanishingBetweenScanAndCopyIsNotAFailure() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("b.txt", "beta");
        kw.fs().failOpenSource(FaultyFs.when(p -> p.endsWith("b.txt"), p -> new NoSuchFileException(p.toString())));
        PassResult r = kw.pass();
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(Map.of("src/a.txt", "alpha"), kw.backupFiles());
    }

    @Test
    void fileChangingWhileCopiedIsRetriedAndNeverRecordedTorn() throws Exception {
        Path f = kw.src().resolve("log.txt");
        write(f, "start");
        AtomicInteger opens = new AtomicInteger();
        kw.fs().afterOpenSource(() -> {
            if (opens.incrementAndGet() <= 2) {
                try {
                    Files.writeString(f, " more", java.nio.file.StandardOpenOption.APPEND);
                    Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(opens.get())));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        PassResult r = kw.pass();
        assertTrue(r.complete());
        assertEquals("start more more", read(kw.backup().resolve("src/log.txt")));
        assertEquals(3, opens.get());
    }

    @Test
    void fileThatNeverStopsChangingIsLeftForTheNextPass() throws Exception {
        Path f = kw.src().resolve("busy.txt");
        write(f, "x");
        AtomicInteger n = new AtomicInteger();
        kw.fs().afterOpenSource(() -> {
            try {
                Files.writeString(f, "x".repeat(n.incrementAndGet() + 1));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        PassResult r = kw.pass();
        assertEquals(1, r.counts().failed());
        assertTrue(r.problems().get(0).contains("changed while being read"), r.problems().toString());
        assertFalse(Files.exists(kw.backup().resolve("src/busy.txt")));
        assertEquals(List.of(), tree(kw.backup().resolve(".keepwatch/tmp")).keySet().stream().toList());
        assertEquals(Map.of(), kw.backupFiles(), "no staged copy left behind, and no folder made for one");
        assertEquals(List.of(), Files.list(kw.backup().resolve("src")).toList());
    }

    @Test
    void symlinksInTheSourceAreSkipped() throws Exception {
        write(kw.path("/outside/secret.txt"), "outside");
        kw.write("a.txt", "alpha");
        Files.createSymbolicLink(kw.src().resolve("link-out"), kw.path("/outside"));
        Files.createSymbolicLink(kw.src().resolve("link-file"), kw.path("/outside/secret.txt"));
        Files.createSymbolicLink(kw.src().resolve("loop"), kw.src());
        PassResult r;
        try (LogCapture log = new LogCapture()) {
            r = kw.pass();
            assertTrue(log.has("Skipped in src: 3 symbolic link(s)"), log.lines().toString());
        }
        assertTrue(r.complete());
        assertEquals(Map.of("src/a.txt", "alpha"), kw.backupFiles());
    }

    @Test
    void neverWritesThroughASymlinkPlantedInTheBackupRoot() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        Path victim = kw.path("/victim");
        Files.createDirectories(victim);
        Files.createSymbolicLink(kw.backup().resolve("src/sub"), victim);
        kw.write("sub/new.txt", "new");
        PassResult r = kw.pass();
        assertEquals(1, r.counts().failed());
        assertTrue(r.problems().get(0).contains("symbolic link"), r.problems().toString());
        assertEquals(Map.of(), tree(victim));
    }

    @Test
    void reservedNamesInsideASourceAreOrdinaryFiles() throws Exception {
        kw.write("versions/v1.bak", "user file");
        kw.write("_deleted", "user file 2");
        kw.write("state.json", "{}");
        kw.write(".keepwatch/x", "user file 3");
        kw.pass();
        assertEquals(Map.of("src/versions/v1.bak", "user file", "src/_deleted", "user file 2", "src/state.json", "{}",
                "src/.keepwatch/x", "user file 3"), kw.backupFiles());
    }

    @Test
    void backupRootInsideTheSourceIsNotBackedUp() throws Exception {
        Path inner = kw.src().resolve("backup");
        kw.config(TestFs.config(kw.path("/etc"), inner, RetentionConfig.defaults(),
                new SourceConfig("src", kw.src(), Set.of("backup"))));
        kw.write("a.txt", "alpha");
        kw.pass();
        for (int i = 0; i < 3; i++) {
            kw.write("a.txt", "alpha " + i);
            assertTrue(kw.pass().complete());
        }
        Map<String, String> files = tree(inner);
        files.keySet().removeIf(k -> k.startsWith(".keepwatch/") || k.equals("state.json"));
        assertEquals(Set.of("src/a.txt", "versions/src/a.txt/v1.bak", "versions/src/a.txt/v2.bak", "versions/src/a.txt/v3.bak"),
                files.keySet());
    }

    @Test
    void unicodeNamesRoundTrip() throws Exception {
        kw.write("Grüße/日本語 ファイル.txt", "ünïcödé");
        kw.write("emoji 🎉.md", "party");
        kw.pass();
        assertEquals("ünïcödé", read(kw.backup().resolve("src/Grüße/日本語 ファイル.txt")));
        assertEquals("party", read(kw.backup().resolve("src/emoji 🎉.md")));
        assertTrue(kw.state().live(new FileRef("src", "Grüße/日本語 ファイル.txt")).isPresent());
    }

    @Test
    void corruptStateStopsWithAClearErrorAndIsNotReplaced() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        Files.writeString(kw.backup().resolve("state.json"), "{\"format\": 1, \"sources\": {\"src\": [");
        StateException e = assertThrows(StateException.class, kw::pass);
        assertTrue(e.getMessage().startsWith("/backup/state.json: state file is corrupt"), e.getMessage());
        assertTrue(e.getMessage().contains("keepwatch rebuild-state"));
        assertEquals("{\"format\": 1, \"sources\": {\"src\": [", read(kw.backup().resolve("state.json")));
    }

    @Test
    void missingStateBesideExistingBackupsIsRefused() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        Files.delete(kw.backup().resolve("state.json"));
        StateException e = assertThrows(StateException.class, kw::pass);
        assertTrue(e.getMessage().contains("state file is missing but the backup root already holds backups"), e.getMessage());
    }

    @Test
    void rebuildStateRecoversHistoryAndTheNextPassAddsNoVersions() throws Exception {
        kw.write("a.txt", "one");
        kw.write("b.txt", "one");
        kw.write("gone.txt", "bye");
        kw.pass();
        kw.write("a.txt", "two");
        Files.delete(kw.src().resolve("gone.txt"));
        kw.pass();
        Files.writeString(kw.backup().resolve("state.json"), "garbage");
        BackupState rebuilt = new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild();
        assertEquals(2, rebuilt.totalLive());
        assertEquals(1, rebuilt.history(new FileRef("src", "a.txt")).lastVersion());
        assertEquals("gone.txt", rebuilt.history(new FileRef("src", "gone.txt")).deletions().get(0).stored());
        assertTrue(Files.list(kw.backup()).anyMatch(p -> p.getFileName().toString().startsWith("state.json.broken-")));
        PassResult r = kw.pass();
        assertEquals("0 backed up, 0 updated, 0 duplicates, 0 deleted, 2 unchanged, 0 failed", r.counts().summary());
    }

    @Test
    void tempLeftoversAreRemovedAtStart() throws Exception {
        write(kw.backup().resolve(".keepwatch/tmp/17.tmp"), "half a copy (staged by an older keepwatch)");
        kw.write("a.txt", "alpha");
        kw.pass();
        assertEquals(Map.of(), tree(kw.backup().resolve(".keepwatch/tmp")));
    }

    @Test
    void copiesStagedBesideTheirDestinationByACrashedRunAreRemovedAtStartAndNothingElse() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("d/kept.txt", "kept");
        kw.pass();
        // What a run with id 18c-2a left when it died: its manifest, a staged copy beside a backed-up file, and one in
        // folders made only to stage in. A backed-up file whose name looks like another run's staged copy is kept.
        write(kw.backup().resolve(".keepwatch/tmp/18c-2a.dirs"), "src/d\nsrc/new/deeper\n");
        write(kw.backup().resolve("src/d/.keepwatch-18c-2a-7.tmp"), "half a copy");
        write(kw.backup().resolve("src/new/deeper/.keepwatch-18c-2a-8.tmp"), "half a copy");
        write(kw.backup().resolve("src/d/.keepwatch-18c-2b-1.tmp"), "not of that run");
        Map<String, String> before = kw.backupFiles();

        assertTrue(kw.pass().complete());
        Map<String, String> after = kw.backupFiles();
        assertEquals(Map.of("src/a.txt", "alpha", "src/d/kept.txt", "kept", "src/d/.keepwatch-18c-2b-1.tmp", "not of that run"),
                after);
        assertFalse(Files.exists(kw.backup().resolve("src/new")), "folders made only to stage in are removed");
        assertEquals(Map.of(), tree(kw.backup().resolve(".keepwatch/tmp")));
        assertEquals(5, before.size());
    }

    @Test
    void aFirstRunThatDiedWithOnlyStagedCopiesMadeStartsAgainInsteadOfRefusing() throws Exception {
        kw.write("d/a.txt", "alpha");
        Files.createDirectories(kw.backup().resolve(".keepwatch/tmp"));
        write(kw.backup().resolve(".keepwatch/tmp/18c-2a.dirs"), "src/d\n");
        write(kw.backup().resolve("src/d/.keepwatch-18c-2a-1.tmp"), "alp");

        PassResult r = kw.pass();
        assertTrue(r.complete());
        assertEquals(Map.of("src/d/a.txt", "alpha"), kw.backupFiles());
    }

    @Test
    void stagedCopiesAreMadeBesideTheirDestinationAndNoFolderIsLeftForADuplicate() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        List<Path> created = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        io.keepwatch.fs.Fs recording = new io.keepwatch.testing.ForwardingFs(kw.fs()) {
            @Override
            public java.nio.channels.FileChannel createNew(Path file) throws IOException {
                created.add(file);
                return super.createNew(file);
            }
        };
        kw.write("x/y/new.txt", "new");
        kw.write("z/same.txt", "alpha");
        try (Engine e = kw.open(recording)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        List<String> stagedIn = created.stream().filter(p -> io.keepwatch.execute.StagingArea.isStagedName(p.getFileName().toString()))
                .map(p -> kw.backup().relativize(p.getParent()).toString().replace('\\', '/')).sorted().toList();
        assertEquals(List.of("src/x/y", "src/z"), stagedIn);
        assertEquals(Map.of("src/a.txt", "alpha", "src/x/y/new.txt", "new", "_duplicates/src/z/same.txt", "alpha"), kw.backupFiles());
        assertFalse(Files.exists(kw.backup().resolve("src/z")), "the folder made to stage the duplicate in is gone");
    }

    @Test
    void diskFullWhileCopyingLeavesNoPartialFileAndCatchesUpLater() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("b.txt", "beta");
        kw.pass();
        kw.write("a.txt", "alpha 2");
        kw.fs().failCreate(FaultyFs.when(p -> io.keepwatch.execute.StagingArea.isStagedName(p.getFileName().toString()),
                p -> new IOException("No space left on device")));
        PassResult r = kw.pass();
        assertEquals(1, r.counts().failed());
        assertEquals("alpha", read(kw.backup().resolve("src/a.txt")));
        kw.fs().failCreate(p -> { });
        assertTrue(kw.pass().complete());
        assertEquals("alpha 2", read(kw.backup().resolve("src/a.txt")));
        assertEquals("alpha", read(kw.backup().resolve("versions/src/a.txt/v1.bak")));
    }

    @Test
    void diskFullWhileSavingStateKeepsTheOldStateIntact() throws Exception {
        kw.write("a.txt", "alpha");
        kw.pass();
        String before = read(kw.backup().resolve("state.json"));
        kw.write("b.txt", "beta");
        kw.fs().failCreate(FaultyFs.when(p -> p.endsWith("state.json.tmp"), p -> new IOException("No space left on device")));
        assertThrows(IOException.class, kw::pass);
        assertEquals(before, read(kw.backup().resolve("state.json")));
        kw.fs().failCreate(p -> { });
        // The journal tells the next start what the failed save left unrecorded.
        PassResult r = kw.pass();
        assertTrue(r.complete());
        assertTrue(kw.state().live(new FileRef("src", "b.txt")).isPresent());
        assertEquals(Map.of("src/a.txt", "alpha", "src/b.txt", "beta"), kw.backupFiles());
    }

    @Test
    void pathPassLooksOnlyAtTheGivenPathsAndTakesGoneFoldersAsDeleted() throws Exception {
        kw.write("docs/a.txt", "a");
        kw.write("docs/sub/b.txt", "b");
        kw.write("docs2/c.txt", "c");
        kw.write("other.txt", "o");
        kw.pass();
        // A folder moved out of the tree: the watcher sees one DELETE for "docs".
        Files.move(kw.src().resolve("docs"), kw.path("/data/moved-away"));
        kw.write("other.txt", "changed, but not named in this batch");
        try (Engine e = kw.open()) {
            PassResult r = e.runPaths("src", List.of("docs"));
            e.commit();
            assertEquals("0 backed up, 0 updated, 0 duplicates, 2 deleted, 0 unchanged, 0 failed", r.counts().summary());
        }
        assertEquals(Map.of("_deleted/src/docs/a.txt", "a", "_deleted/src/docs/sub/b.txt", "b", "src/docs2/c.txt", "c",
                "src/other.txt", "o"), kw.backupFiles());
        assertFalse(Files.exists(kw.backup().resolve("src/docs")), "emptied folders are removed from the mirror");
        assertTrue(Files.isDirectory(kw.backup().resolve("src")));
    }

    @Test
    void pathPassOnAFileThatReplacedARecordedFolderParent() throws Exception {
        kw.write("keep.txt", "k");
        kw.write("x", "file x");
        kw.pass();
        Files.delete(kw.src().resolve("x"));
        kw.write("x/y.txt", "now a folder");
        try (Engine e = kw.open()) {
            e.runPaths("src", List.of("x/y.txt"));
            e.commit();
        }
        assertEquals("now a folder", read(kw.backup().resolve("src/x/y.txt")));
        assertEquals("file x", read(kw.backup().resolve("_deleted/src/x")));
    }
}
