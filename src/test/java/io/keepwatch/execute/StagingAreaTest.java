package io.keepwatch.execute;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.tree;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StagingAreaTest {
    private FileSystem jimfs;
    private Path root;
    private BackupLayout layout;
    private StagingArea area;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        root = jimfs.getPath("/backup");
        layout = new BackupLayout(root);
        Files.createDirectories(layout.tmpDir());
        area = new StagingArea(layout, new RealFs(false, ms -> { }), "18c-2a");
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private static StagingArea.Copy<String> writing(String content) {
        return target -> {
            Files.writeString(target, content);
            return content;
        };
    }

    @Test
    void aCopyIsStagedInTheFolderOfItsDestinationUnderANameOfThisArea() throws IOException {
        area.prepare("src", List.of("a/b/file.txt", "top.txt"));
        StagingArea.Staged<String> s = area.stage("src", "a/b/file.txt", writing("new"));
        assertEquals("src/a/b/.keepwatch-18c-2a-1.tmp", s.name());
        assertEquals("new", s.result());
        assertEquals("new", read(area.path(s.name())));
        assertEquals("src/.keepwatch-18c-2a-2.tmp", area.stage("src", "top.txt", writing("x")).name());
    }

    @Test
    void theManifestNamesEachFolderOnceAndGoesWhenTheAreaCloses() throws IOException {
        area.prepare("src", List.of("a/1.txt", "a/2.txt", "top.txt"));
        area.prepare("src", List.of("a/3.txt", "b/c/4.txt"));
        assertEquals("src/a\nsrc\nsrc/b/c\n", read(layout.tmpDir().resolve("18c-2a.dirs")));
        area.close();
        assertEquals(Map.of(), tree(layout.tmpDir()));
    }

    @Test
    void aFolderRemovedBetweenBeingMadeAndTheCopyIsMadeAgain() throws IOException {
        area.prepare("src", List.of("d/first.txt", "d/second.txt"));
        // The engine removes a folder its last batch emptied while the next chunk's copies are being staged.
        area.stage("src", "d/first.txt", writing("1"));
        Files.delete(root.resolve("src/d/.keepwatch-18c-2a-1.tmp"));
        Files.delete(root.resolve("src/d"));
        StagingArea.Staged<String> s = area.stage("src", "d/second.txt", writing("2"));
        assertEquals("2", read(area.path(s.name())));
    }

    @Test
    void foldersOnTheWayRemovedSinceTheyWereMadeAreMadeAgain() throws IOException {
        area.prepare("src", List.of("a/b/first.txt", "a/c/second.txt", "a/b/third.txt"));
        area.stage("src", "a/b/first.txt", writing("1"));
        Files.delete(root.resolve("src/a/b/.keepwatch-18c-2a-1.tmp"));
        Files.delete(root.resolve("src/a/b"));
        Files.delete(root.resolve("src/a"));
        assertEquals("2", read(area.path(area.stage("src", "a/c/second.txt", writing("2")).name())));
        Files.delete(root.resolve("src/a/c/.keepwatch-18c-2a-2.tmp"));
        Files.delete(root.resolve("src/a/c"));
        Files.delete(root.resolve("src/a"));
        assertEquals("3", read(area.path(area.stage("src", "a/b/third.txt", writing("3")).name())));
    }

    @Test
    void aVanishedSourceIsReportedAndNotRetried() throws IOException {
        area.prepare("src", List.of("d/gone.txt"));
        AtomicInteger calls = new AtomicInteger();
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> area.stage("src", "d/gone.txt", target -> {
            calls.incrementAndGet();
            throw new NoSuchFileException("/data/src/d/gone.txt");
        }));
        assertEquals("/data/src/d/gone.txt", e.getFile());
        assertEquals(1, calls.get());
    }

    @Test
    void whereAFileStandsInTheFolderPlaceTheCopyIsStagedInThePrivateTmpFolder() throws IOException {
        write(root.resolve("src/x"), "a file that this pass moves to _deleted/ before x/inner.txt goes into place");
        area.prepare("src", List.of("x/inner.txt"));
        StagingArea.Staged<String> s = area.stage("src", "x/inner.txt", writing("inside"));
        assertEquals(".keepwatch/tmp/.keepwatch-18c-2a-1.tmp", s.name());
        assertEquals("inside", read(layout.tmpDir().resolve(".keepwatch-18c-2a-1.tmp")));
    }

    @Test
    void aSymbolicLinkPlantedInTheBackupRootIsNotWrittenThrough() throws IOException {
        Files.createDirectories(jimfs.getPath("/elsewhere"));
        Files.createDirectories(root.resolve("src"));
        Files.createSymbolicLink(root.resolve("src/d"), jimfs.getPath("/elsewhere"));
        area.prepare("src", List.of("d/f.txt"));
        StagingArea.Staged<String> s = area.stage("src", "d/f.txt", writing("x"));
        assertTrue(s.name().startsWith(".keepwatch/tmp/"), s.name());
        assertEquals(Map.of(), tree(jimfs.getPath("/elsewhere")));
    }

    @Test
    void aCopyIsNeverStagedInAFolderTheManifestDoesNotName() throws IOException {
        area.prepare("src", List.of("a/f.txt"));
        assertEquals(".keepwatch/tmp/.keepwatch-18c-2a-1.tmp", area.stage("src", "b/g.txt", writing("g")).name());
        assertEquals("src/a/.keepwatch-18c-2a-2.tmp", area.stage("src", "a/f.txt", writing("f")).name());
    }

    @Test
    void whenTheManifestCannotBeWrittenCopiesAreStagedInThePrivateTmpFolder() throws IOException {
        Files.createDirectories(layout.tmpDir().resolve("18c-2a.dirs")); // in the way of the manifest, like a full disk
        area.prepare("src", List.of("a/f.txt"));
        StagingArea.Staged<String> s = area.stage("src", "a/f.txt", writing("f"));
        assertEquals(".keepwatch/tmp/.keepwatch-18c-2a-1.tmp", s.name());
        assertFalse(Files.exists(root.resolve("src")));
    }

    @Test
    void cleanupDeletesOnlyTheCopiesOfTheRunsItHasManifestsFor() throws IOException {
        write(layout.tmpDir().resolve("18c-2a.dirs"), "src/d\nsrc/new/deeper\nsrc/gone\n");
        write(root.resolve("src/d/.keepwatch-18c-2a-7.tmp"), "staged");
        write(root.resolve("src/d/.keepwatch-18c-2b-1.tmp"), "a backed-up file of that name, or another run's");
        write(root.resolve("src/d/kept.txt"), "kept");
        write(root.resolve("src/new/deeper/.keepwatch-18c-2a-8.tmp"), "staged");
        write(layout.tmpDir().resolve(".keepwatch-18c-2a-9.tmp"), "staged in tmp");

        assertEquals(3, StagingArea.cleanLeftovers(layout, new RealFs(false, ms -> { })));
        assertEquals(Map.of("src/d/.keepwatch-18c-2b-1.tmp", "a backed-up file of that name, or another run's",
                "src/d/kept.txt", "kept"), tree(root));
        assertFalse(Files.exists(root.resolve("src/new")));
        assertTrue(Files.isDirectory(root.resolve("src")));
    }

    @Test
    void cleanupNeverFollowsALinkNamedInAManifest() throws IOException {
        Files.createDirectories(root.resolve("src"));
        write(jimfs.getPath("/elsewhere/.keepwatch-18c-2a-1.tmp"), "not ours");
        Files.createSymbolicLink(root.resolve("src/d"), jimfs.getPath("/elsewhere"));
        write(layout.tmpDir().resolve("18c-2a.dirs"), "src/d\n../elsewhere\n");
        assertEquals(0, StagingArea.cleanLeftovers(layout, new RealFs(false, ms -> { })));
        assertEquals("not ours", read(jimfs.getPath("/elsewhere/.keepwatch-18c-2a-1.tmp")));
    }

    @ParameterizedTest
    @CsvSource({
            ".keepwatch-18c-2a-1.tmp, true",
            ".keepwatch-18c5e0ff-1f2-123456.tmp, true",
            ".keepwatch-18c-2a-.tmp, false",
            ".keepwatch-18c-2a-1.tmp.txt, false",
            "keepwatch-18c-2a-1.tmp, false",
            ".keepwatch-18C-2a-1.tmp, false",
            ".keepwatch-1.tmp, false",
    })
    void stagedNames(String name, boolean staged) {
        assertEquals(staged, StagingArea.isStagedName(name));
    }
}
