package io.keepwatch.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import io.methvin.watcher.visitor.FileTreeVisitor.Callback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The walk on real folders, in both of its ways: trusting the link count of the temp folder's file system
 * (folders without subfolders are listed without lstat()ing their entries) and trusting none (every entry
 * lstat()ed). Each parameterised test runs both.
 */
class PrunedTreeVisitorTest {
    /** Names at any depth, and (for the random tree) paths from the root. */
    private static final List<String> EXCLUDES = List.of("*.tmp", "**/node_modules", "/sub dir/backup", "{a,b}/tmp/*.txt");

    @TempDir
    Path tmp;

    private Path root;
    private WatchFilter filter;

    private void source(Path at) throws IOException {
        root = at;
        Files.createDirectories(root);
        filter = new WatchFilter(new SourceConfig("src", root, Set.of("backup")), root, ExcludeRules.compile(EXCLUDES));
    }

    /** The visitor under test: trusting the link counts of the temp folder's file system, or of none. */
    private PrunedTreeVisitor visitor(boolean linkCounts) throws IOException {
        return new PrunedTreeVisitor(filter, linkCounts ? Set.of(Files.getFileStore(tmp).type()) : Set.of());
    }

    /** What a walk reported, relative to the root ("" for the root), in the order reported. */
    private final class Recorder {
        final List<String> folders = new ArrayList<>();
        final List<String> files = new ArrayList<>();
        final Callback onDirectory = dir -> folders.add(rel(dir));
        final Callback onFile = file -> files.add(rel(file));

        void walk(PrunedTreeVisitor visitor, Path start) throws IOException {
            visitor.recursiveVisitFiles(start, onDirectory, onFile);
        }

        Set<String> folderSet() {
            assertEquals(folders.size(), new TreeSet<>(folders).size(), "each folder reported once: " + folders);
            return new TreeSet<>(folders);
        }

        Set<String> fileSet() {
            assertEquals(files.size(), new TreeSet<>(files).size(), "each file reported once: " + files);
            return new TreeSet<>(files);
        }
    }

    private String rel(Path p) {
        StringBuilder sb = new StringBuilder();
        for (Path name : root.relativize(p)) {
            sb.append(sb.length() > 0 ? "/" : "").append(name);
        }
        return sb.toString();
    }

    private static Set<String> set(String... items) {
        return new TreeSet<>(List.of(items));
    }

    private void file(String rel) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, rel);
    }

    private void folder(String rel) throws IOException {
        Files.createDirectories(root.resolve(rel));
    }

    private static int nlink(Path dir) throws IOException {
        return (Integer) Files.getAttribute(dir, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    }

    /** Whether folders on the temp folder's file system have 2 + their subfolders as link count. */
    private boolean linkCountsWork() throws IOException {
        Path p = Files.createDirectories(tmp.resolve("probe/q"));
        try {
            return nlink(p.getParent()) == 3 && nlink(p) == 2;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        } finally {
            Files.delete(p);
            Files.delete(p.getParent());
        }
    }

    /**
     * top.txt, x.tmp (excluded), link → a (a link to a folder), empty/, backup/ (keepwatch's own, skipped),
     * a/ with files, a/node_modules/ (excluded) and subfolders: a/b/ without subfolders (two files, an
     * excluded one, a link to a folder, a dangling link), a/c/ with c.txt, a/c/d/d.txt and an empty a/c/e/.
     */
    private void sampleTree() throws IOException {
        source(tmp.resolve("src"));
        file("top.txt");
        file("x.tmp");
        folder("empty");
        file("backup/src/top.txt");
        file("backup/.keepwatch/state.json");
        file("a/f1");
        file("a/f2");
        file("a/node_modules/pkg/index.js");
        file("a/b/b1.txt");
        file("a/b/b2.txt");
        file("a/b/y.tmp");
        Files.createSymbolicLink(root.resolve("a/b/tolink"), root.resolve("a/c"));
        Files.createSymbolicLink(root.resolve("a/b/dangling"), root.resolve("nowhere"));
        file("a/c/c.txt");
        file("a/c/d/d.txt");
        folder("a/c/e");
        Files.createSymbolicLink(root.resolve("link"), root.resolve("a"));
    }

    private static final Set<String> SAMPLE_FOLDERS = set("", "a", "a/b", "a/c", "a/c/d", "a/c/e", "empty");
    private static final Set<String> SAMPLE_FILES = set("top.txt", "link", "a/f1", "a/f2", "a/b/b1.txt", "a/b/b2.txt",
            "a/b/tolink", "a/b/dangling", "a/c/c.txt", "a/c/d/d.txt");

    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void reportsEveryFolderAndFileButSkippedAndExcludedOnesAndFollowsNoLink(boolean linkCounts) throws IOException {
        sampleTree();
        PrunedTreeVisitor visitor = visitor(linkCounts);
        Recorder r = new Recorder();
        r.walk(visitor, root);

        assertEquals(SAMPLE_FOLDERS, r.folderSet());
        assertEquals(SAMPLE_FILES, r.fileSet());
        assertEquals(7, visitor.rootWalkFolders());
        assertEquals(0, r.folders.indexOf(""), "the root first");
        assertTrue(r.folders.indexOf("a") < r.folders.indexOf("a/c") && r.folders.indexOf("a/c") < r.folders.indexOf("a/c/d"),
                "a folder before its subfolders: " + r.folders);
    }

    @Test
    void entriesOfFoldersWithoutSubfoldersAreNotLstatted() throws IOException {
        sampleTree();
        assumeTrue(linkCountsWork(), "the temp folder's file system counts subfolders in the link count");
        // lstat()ed: the entries not excluded of the folders with subfolders: top.txt a empty link | f1 f2 b c | c.txt d e.
        PrunedTreeVisitor trusting = visitor(true);
        new Recorder().walk(trusting, root);
        assertEquals(11, trusting.lastWalkLstats());
        // Trusting no link count, also those of a/b (b1.txt b2.txt tolink dangling) and a/c/d (d.txt).
        PrunedTreeVisitor distrusting = visitor(false);
        new Recorder().walk(distrusting, root);
        assertEquals(16, distrusting.lastWalkLstats());
    }

    @Test
    void theShippedFileSystemListLeavesOutThoseWhoseLinkCountsLie() {
        assertTrue(PrunedTreeVisitor.LINK_COUNT_FILE_SYSTEMS.containsAll(Set.of("ext4", "xfs", "tmpfs")));
        for (String liar : List.of("cifs", "smb3", "nfs", "nfs4", "afs", "btrfs", "fuse", "fuseblk", "overlay", "proc")) {
            assertFalse(PrunedTreeVisitor.LINK_COUNT_FILE_SYSTEMS.contains(liar), liar);
        }
    }

    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void aWalkFromAFolderMadeWhileWatchingReportsItsSubtreeOnly(boolean linkCounts) throws IOException {
        sampleTree();
        PrunedTreeVisitor visitor = visitor(linkCounts);
        new Recorder().walk(visitor, root);

        Recorder c = new Recorder();
        c.walk(visitor, root.resolve("a/c"));
        assertEquals(set("a/c", "a/c/d", "a/c/e"), c.folderSet());
        assertEquals(set("a/c/c.txt", "a/c/d/d.txt"), c.fileSet());

        Recorder b = new Recorder(); // a folder without subfolders, with an excluded file
        b.walk(visitor, root.resolve("a/b"));
        assertEquals(set("a/b"), b.folderSet());
        assertEquals(set("a/b/b1.txt", "a/b/b2.txt", "a/b/tolink", "a/b/dangling"), b.fileSet());
        assertEquals(7, visitor.rootWalkFolders(), "only walks of the whole source count");
    }

    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void walksOfSkippedOrExcludedFoldersReportNothing(boolean linkCounts) throws IOException {
        sampleTree();
        PrunedTreeVisitor visitor = visitor(linkCounts);
        for (String start : List.of("backup", "backup/src", "a/node_modules", "a/node_modules/pkg")) {
            Recorder r = new Recorder();
            r.walk(visitor, root.resolve(start));
            assertEquals(List.of(), r.folders, start);
            assertEquals(List.of(), r.files, start);
        }
        Recorder outside = new Recorder();
        outside.walk(visitor, tmp);
        assertEquals(List.of(), outside.folders, "a folder outside the source");
    }

    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void aMissingSourceOrFolderIsPassedOver(boolean linkCounts) throws IOException {
        source(tmp.resolve("src"));
        PrunedTreeVisitor visitor = visitor(linkCounts);
        Recorder r = new Recorder();
        r.walk(visitor, root.resolve("gone"));
        assertEquals(List.of(), r.folders);

        Files.delete(root);
        r.walk(visitor, root);
        assertEquals(List.of(), r.folders);
        assertEquals(List.of(), r.files);
        assertEquals(0, visitor.rootWalkFolders());
    }

    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void anEmptySourceIsOneFolder(boolean linkCounts) throws IOException {
        source(tmp.resolve("src"));
        PrunedTreeVisitor visitor = visitor(linkCounts);
        Recorder r = new Recorder();
        r.walk(visitor, root);
        assertEquals(List.of(""), r.folders);
        assertEquals(List.of(), r.files);
        assertEquals(1, visitor.rootWalkFolders());
    }

    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void aFolderThatVanishesDuringTheWalkIsPassedOver(boolean linkCounts) throws IOException {
        sampleTree();
        // Whichever of a/b and a/c is watched first deletes the other (listed in a, not yet walked).
        List<String> folders = new ArrayList<>();
        Callback onDirectory = dir -> {
            String rel = rel(dir);
            folders.add(rel);
            if (rel.equals("a/b") || rel.equals("a/c")) {
                Path other = root.resolve(rel.equals("a/b") ? "a/c" : "a/b");
                if (Files.exists(other, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(other);
                }
            }
        };
        PrunedTreeVisitor visitor = visitor(linkCounts);
        visitor.recursiveVisitFiles(root, onDirectory, file -> { });
        Set<String> expected = folders.contains("a/b") ? set("", "a", "a/b", "empty")
                : set("", "a", "a/c", "a/c/d", "a/c/e", "empty");
        assertEquals(expected, new TreeSet<>(folders));
        assertEquals(expected.size(), visitor.rootWalkFolders());
    }

    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void failuresOfTheCallbacksArePassedOn(boolean linkCounts) throws IOException {
        sampleTree();
        PrunedTreeVisitor visitor = visitor(linkCounts);
        IOException limit = new IOException(WatchLimit.LINUX_MESSAGE);
        IOException thrown = assertThrows(IOException.class, () -> visitor.recursiveVisitFiles(root, dir -> {
            if (dir.endsWith("d")) {
                throw limit;
            }
        }, file -> { }));
        assertSame(limit, thrown);

        // From a file of a folder without subfolders (a/b), and of one with (a/c).
        for (String name : List.of("b2.txt", "c.txt")) {
            IOException failed = new IOException("cannot report " + name);
            IOException t = assertThrows(IOException.class, () -> visitor.recursiveVisitFiles(root, dir -> { }, file -> {
                if (file.endsWith(name)) {
                    throw failed;
                }
            }));
            assertSame(failed, t);
        }
    }

    /**
     * The race the link count must not lose: a subfolder made in a folder without subfolders after the walk
     * found it was a folder, here right when it is being watched and before its entries are listed. Taken
     * for a file (the link count read before it was made), it would never be watched.
     */
    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void aSubfolderMadeWhileItsParentIsBeingWatchedIsReportedAsAFolder(boolean linkCounts) throws IOException {
        sampleTree();
        Recorder r = new Recorder();
        Callback record = r.onDirectory;
        Callback onDirectory = dir -> {
            record.call(dir);
            if (dir.equals(root.resolve("a/b"))) {
                Files.createDirectories(dir.resolve("new/deeper"));
                Files.writeString(dir.resolve("new/inner.txt"), "x");
            }
        };
        visitor(linkCounts).recursiveVisitFiles(root, onDirectory, r.onFile);

        assertEquals(union(SAMPLE_FOLDERS, set("a/b/new", "a/b/new/deeper")), r.folderSet());
        assertEquals(union(SAMPLE_FILES, set("a/b/new/inner.txt")), r.fileSet());
    }

    /** The same race as a file replaced by a folder of the same name (a/b/b1.txt, found a file in a). */
    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void aFileReplacedByAFolderWhileItsParentIsBeingWatchedIsReportedAsAFolder(boolean linkCounts) throws IOException {
        sampleTree();
        Recorder r = new Recorder();
        Callback record = r.onDirectory;
        Callback onDirectory = dir -> {
            record.call(dir);
            if (dir.equals(root.resolve("a/b"))) {
                Files.delete(dir.resolve("b1.txt"));
                Files.createDirectories(dir.resolve("b1.txt"));
                Files.writeString(dir.resolve("b1.txt/inside"), "x");
            }
        };
        visitor(linkCounts).recursiveVisitFiles(root, onDirectory, r.onFile);

        assertEquals(union(SAMPLE_FOLDERS, set("a/b/b1.txt")), r.folderSet());
        Set<String> files = new TreeSet<>(SAMPLE_FILES);
        files.remove("a/b/b1.txt");
        files.add("a/b/b1.txt/inside");
        assertEquals(files, r.fileSet());
    }

    /** The walk is the old Files.walkFileTree one with WatchFilter.relOf, on a random tree with odd names. */
    @ParameterizedTest(name = "link counts trusted: {0}")
    @ValueSource(booleans = {true, false})
    void agreesWithWalkFileTreeAndRelOfOnARandomTree(boolean linkCounts) throws IOException {
        source(tmp.resolve("src tree"));
        Random random = new Random(42);
        List<String> names = List.of("a", "b.txt", "x.tmp", "node_modules", "backup", "tmp", "ü ñ", "[x]", "{a,b}",
                ".hidden", "sub dir", "c.tmp.txt", "e\u0301");
        grow(root, random, names, 0);
        Files.createSymbolicLink(root.resolve("a-link"), root);

        Recorder r = new Recorder();
        PrunedTreeVisitor visitor = visitor(linkCounts);
        r.walk(visitor, root);
        Recorder ref = new Recorder();
        referenceWalk(root, ref.onDirectory, ref.onFile);

        assertTrue(ref.folders.size() > 20 && ref.files.size() > 50, ref.folders.size() + " folders, " + ref.files.size());
        assertSameSet(ref.folderSet(), r.folderSet());
        assertSameSet(ref.fileSet(), r.fileSet());
        assertEquals(ref.folders.size(), visitor.rootWalkFolders());
    }

    private static void grow(Path dir, Random random, List<String> names, int depth) throws IOException {
        for (String name : names) {
            int roll = random.nextInt(10);
            if (roll < 4) {
                Files.writeString(dir.resolve(name), name);
            } else if (roll < 7 && depth < 4) {
                Path sub = Files.createDirectory(dir.resolve(name));
                grow(sub, random, names, depth + 1);
            }
        }
    }

    /** What PrunedTreeVisitor did before, with Files.walkFileTree. */
    private void referenceWalk(Path start, Callback onDirectory, Callback onFile) throws IOException {
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(start) && filter.skipsFolder(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                onDirectory.call(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (filter.relOf(file).isPresent()) {
                    onFile.call(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Without a "unix" attribute view (Windows; jimfs, unless told to have it) there is no link count: every
     * entry is lstat()ed, and relative paths still use '/'. jimfs with the "unix" view counts subfolders.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"windows", "unix", "unix with the unix view"})
    void worksOnFileSystemsWithAndWithoutLinkCounts(String setup) throws IOException {
        Configuration config = switch (setup) {
            case "windows" -> Configuration.windows();
            case "unix" -> Configuration.unix();
            default -> Configuration.unix().toBuilder().setAttributeViews("basic", "owner", "posix", "unix").build();
        };
        try (FileSystem fs = Jimfs.newFileSystem(config)) {
            Path base = fs.getRootDirectories().iterator().next().resolve("work");
            source(base.resolve("src"));
            file("a/one.txt");
            file("a/b/two.txt");
            file("a/b/skip.tmp");
            file("backup/state.json");
            PrunedTreeVisitor visitor = new PrunedTreeVisitor(filter, Set.of(Files.getFileStore(root).type()));
            for (int walk = 0; walk < 2; walk++) {
                Recorder r = new Recorder();
                r.walk(visitor, root);
                assertEquals(set("", "a", "a/b"), r.folderSet());
                assertEquals(set("a/one.txt", "a/b/two.txt"), r.fileSet());
                // lstat()ed: a (not backup, skipped before) | one.txt b, and without link counts two.txt of a/b.
                assertEquals(setup.endsWith("view") ? 3 : 4, visitor.lastWalkLstats());
            }
        }
    }

    private static void assertSameSet(Set<String> expected, Set<String> actual) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertTrue(missing.isEmpty() && extra.isEmpty(), "missing " + missing + ", extra " + extra);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
