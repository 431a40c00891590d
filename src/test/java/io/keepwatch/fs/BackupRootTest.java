package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every operation of {@link BackupRoot} against a symbolic link planted as a folder on the way, as the final name,
 * and against paths that leave the root: refused with the path and the reason, and the tree outside unchanged.
 */
class BackupRootTest {
    private FileSystem jimfs;
    private Path root;
    private Path outside;
    private BackupRoot backup;
    private Map<String, String> sentinel;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        root = jimfs.getPath("/backup");
        outside = jimfs.getPath("/outside");
        TestFs.write(outside.resolve("victim.txt"), "outside");
        TestFs.write(outside.resolve("sub/deep.txt"), "deep");
        TestFs.write(root.resolve("src/real/f.txt"), "inside");
        TestFs.write(root.resolve("src/new.tmp"), "staged");
        Files.createSymbolicLink(root.resolve("src/linked"), outside);
        Files.createSymbolicLink(root.resolve("src/file-link"), outside.resolve("victim.txt"));
        sentinel = TestFs.tree(outside);
        backup = new BackupRoot(root, new RealFs(false, ms -> { }));
    }

    @AfterEach
    void tearDown() throws IOException {
        assertEquals(sentinel, TestFs.tree(outside), "the tree outside the backup root changed");
        assertEquals(List.of("sub", "victim.txt"), names(outside));
        jimfs.close();
    }

    private static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private interface Op {
        void run() throws IOException;
    }

    private void refusedThroughLink(Op op) {
        UnsafePathException e = assertThrows(UnsafePathException.class, op::run);
        assertEquals(root.resolve("src/linked").toString(), e.getFile());
        assertTrue(e.getReason().contains("symbolic link"), e.getReason());
    }

    @Test
    void noOperationGoesThroughALinkedFolder() {
        Path via = root.resolve("src/linked/victim.txt");
        Path staged = root.resolve("src/new.tmp");
        refusedThroughLink(() -> backup.replace(staged, via));
        refusedThroughLink(() -> backup.moveNoReplace(via, root.resolve("src/moved.txt")));
        refusedThroughLink(() -> backup.moveNoReplace(staged, root.resolve("src/linked/new.txt")));
        refusedThroughLink(() -> backup.hardLink(root.resolve("src/l.txt"), via));
        refusedThroughLink(() -> backup.hardLink(via.resolveSibling("l.txt"), root.resolve("src/real/f.txt")));
        refusedThroughLink(() -> backup.delete(via));
        refusedThroughLink(() -> backup.deleteIfExists(via));
        refusedThroughLink(() -> backup.createNew(root.resolve("src/linked/created.txt")).close());
        refusedThroughLink(() -> backup.openRead(via).close());
        refusedThroughLink(() -> backup.attributes(via));
        refusedThroughLink(() -> backup.list(root.resolve("src/linked")).close());
        refusedThroughLink(() -> backup.mkdirs(root.resolve("src/linked/sub/new")));
        refusedThroughLink(() -> backup.delete(root.resolve("src/linked/sub/deep.txt")));
    }

    @Test
    void aLinkAsTheFinalNameIsNeverFollowed() throws IOException {
        Path link = root.resolve("src/file-link");
        UnsafePathException e = assertThrows(UnsafePathException.class, () -> backup.exists(link));
        assertTrue(e.getReason().contains("symbolic link"));
        assertThrows(UnsafePathException.class, () -> backup.hardLink(root.resolve("src/l.txt"), link));
        assertThrows(FileSystemException.class, () -> backup.openRead(link).close());
        assertThrows(FileSystemException.class, () -> backup.createNew(link).close());
        assertTrue(backup.attributes(link).orElseThrow().isSymbolicLink());
        // Replacing or deleting the name replaces or deletes the link itself, never its target.
        backup.replace(root.resolve("src/new.tmp"), link);
        assertTrue(Files.isRegularFile(link, LinkOption.NOFOLLOW_LINKS));
        assertEquals("staged", TestFs.read(link));
    }

    @Test
    void pathsOutsideTheRootAreRefused() {
        for (Path p : List.of(outside.resolve("victim.txt"), root, root.resolve("../outside/victim.txt"),
                root.resolve("src/../../outside/victim.txt"), jimfs.getPath("/backup-other/x"))) {
            FileSystemException e = assertThrows(UnsafePathException.class, () -> backup.delete(p), p.toString());
            assertTrue(p.startsWith(jimfs.getPath(e.getFile())), e.getFile()); // the path, or the name on it that is refused
        }
        assertThrows(UnsafePathException.class, () -> backup.resolve(root, "src/../../outside/victim.txt"));
        assertThrows(UnsafePathException.class, () -> backup.resolve(root, "/outside/victim.txt"));
    }

    @Test
    void ordinaryOperationsWorkInsideAndMakeRealFolders() throws IOException {
        Path dir = root.resolve("versions/src/a/b");
        backup.mkdirs(dir);
        assertTrue(Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS));
        try (FileChannel ch = backup.createNew(dir.resolve("x.tmp"))) {
            ch.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.UTF_8)));
        }
        backup.moveNoReplace(dir.resolve("x.tmp"), dir.resolve("v1.bak"));
        backup.hardLink(dir.resolve("v2.bak"), dir.resolve("v1.bak"));
        assertTrue(backup.exists(dir.resolve("v2.bak")));
        assertTrue(backup.deleteIfExists(dir.resolve("v2.bak")));
        assertFalse(backup.deleteIfExists(dir.resolve("v2.bak")));
        assertFalse(backup.exists(root.resolve("nowhere/at/all")));
        assertEquals("x", TestFs.read(dir.resolve("v1.bak")));
    }

    @Test
    void aLinkPlantedAfterAFolderWasCheckedIsFoundAfterForgetAll() throws IOException {
        Path dir = root.resolve("src/later");
        backup.mkdirs(dir);
        Files.delete(dir);
        Files.createSymbolicLink(dir, outside);
        backup.forgetAll();
        refusedThroughLinkAt(dir, () -> backup.createNew(dir.resolve("victim.txt")).close());
    }

    private void refusedThroughLinkAt(Path link, Op op) {
        UnsafePathException e = assertThrows(UnsafePathException.class, op::run);
        assertEquals(link.toString(), e.getFile());
    }
}
