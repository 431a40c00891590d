package io.keepwatch.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.PassResult;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.RepoException;
import io.keepwatch.restore.RestoreReport;
import io.keepwatch.restore.Restorer;
import io.keepwatch.restore.Selection;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Export and import on jimfs with a pinned clock: a history of edits, renames and deletions, exported as of each
 * moment and imported, compared byte for byte (with mtime and permission bits) with the sources then; a backup
 * root rebuilt from an archive that the engine continues from; and each kind of damage to an archive named.
 */
class ArchiveTest {
    private FileSystem jimfs;
    private Path src;
    private Path docs;
    private Path backup;
    private Path keyFile;
    private MutableClock clock;
    private RealFs fs;
    private Config config;
    private KeyFile.Opened key;
    private long mtimeSeq = 1_700_000_000L;

    record Snap(String content, long mtimeNanos, String perms) {
    }

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        docs = jimfs.getPath("/data/docs");
        backup = jimfs.getPath("/backup");
        keyFile = jimfs.getPath("/keys/export.key");
        Files.createDirectories(src);
        Files.createDirectories(docs);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new RealFs(false, ms -> { });
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src),
                new SourceConfig("docs", docs));
        key = KeyFile.create(keyFile, Optional.empty(), KeyFile.DEFAULT_KDF);
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private void put(Path root, String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        TestFs.write(p, content);
        mtimeSeq += 61;
        Files.setLastModifiedTime(p, FileTime.from(mtimeSeq * 1_000_000_000L + 123_456_789L, TimeUnit.NANOSECONDS));
    }

    private BackupState state(Path root) throws Exception {
        return new StateStore(new BackupLayout(root), fs, clock).load().orElseThrow();
    }

    private Instant step() throws Exception {
        Instant t = clock.instant();
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            PassResult r = e.runFull(Engine.PassOptions.DEFAULT);
            assertTrue(r.complete(), r.problems().toString());
        }
        clock.advance(Duration.ofMinutes(10));
        return t;
    }

    private byte[] export(Optional<Instant> at, Optional<String> source) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Exporter.Result r = Exporter.export(state(backup), source, at, Map.of("src", src.toString(), "docs", docs.toString()),
                new BackupLayout(backup), key, keyFile.toString(), out, "test archive", clock, "laptop", Progress.NONE);
        assertTrue(r.push().problems().isEmpty(), r.push().problems().toString());
        return out.toByteArray();
    }

    private Importer.Result importArchive(byte[] archive, Path to, Importer.Mode mode) throws Exception {
        Path file = jimfs.getPath("/archives").resolve("a-" + System.nanoTime() + ".kwx");
        Files.createDirectories(file.getParent());
        Files.write(file, archive);
        return new Importer(file, key, keyFile.toString(), to, mode, clock, Progress.NONE).run(null);
    }

    private Map<String, Snap> snapshot(Map<String, Path> roots) throws IOException {
        Map<String, Snap> out = new TreeMap<>();
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            if (!Files.exists(r.getValue())) {
                continue;
            }
            try (Stream<Path> s = Files.walk(r.getValue())) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        out.put(r.getKey() + "/" + BackupLayout.relative(r.getValue(), p), new Snap(
                                Base64.getEncoder().encodeToString(Files.readAllBytes(p)),
                                Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS),
                                PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))));
                    }
                }
            }
        }
        return out;
    }

    private Map<String, Snap> sourcesNow() throws IOException {
        return snapshot(Map.of("src", src, "docs", docs));
    }

    /** Five moments of edits, renames, deletions, a permission change and a file that became a folder. */
    private Map<Instant, Map<String, Snap>> history() throws Exception {
        Map<Instant, Map<String, Snap>> history = new LinkedHashMap<>();
        put(src, "a.txt", "alpha 1");
        put(src, "sub/b.txt", "bravo 1");
        put(src, "sub/deep/c.txt", "charlie 1");
        put(src, "copy-of-a.txt", "alpha 1");
        put(docs, "report.md", "report 1");
        Files.setPosixFilePermissions(src.resolve("sub/deep/c.txt"), PosixFilePermissions.fromString("r--r-----"));
        history.put(step(), sourcesNow());

        put(src, "a.txt", "alpha 2");
        put(src, "sub/deep/c.txt", "charlie 2 longer");
        Files.setPosixFilePermissions(src.resolve("sub/deep/c.txt"), PosixFilePermissions.fromString("rwxr-x---"));
        put(docs, "notes.txt", "notes 1");
        history.put(step(), sourcesNow());

        Files.move(src.resolve("sub/b.txt"), src.resolve("sub/b-renamed.txt"));
        Files.delete(src.resolve("sub/deep/c.txt"));
        Files.delete(src.resolve("sub/deep"));
        put(src, "a.txt", "alpha 3");
        history.put(step(), sourcesNow());

        put(src, "copy-of-a.txt", "no longer a copy");
        Files.delete(docs.resolve("notes.txt"));
        put(docs, "notes.txt/inside.txt", "notes became a folder");
        history.put(step(), sourcesNow());
        return history;
    }

    @Test
    void anExportAsOfEachMomentImportsAsTheSourcesWereThen() throws Exception {
        Map<Instant, Map<String, Snap>> history = history();
        int k = 0;
        for (Map.Entry<Instant, Map<String, Snap>> moment : history.entrySet()) {
            Path to = jimfs.getPath("/import/at-" + k++);
            Importer.Result r = importArchive(export(Optional.of(moment.getKey()), Optional.empty()), to, Importer.Mode.FILES);
            assertTrue(r.committed(), r.problems().toString());
            assertEquals(moment.getValue(), snapshot(Map.of("src", to.resolve("src"), "docs", to.resolve("docs"))),
                    "export --at " + moment.getKey());
            assertFalse(Files.exists(to.resolve(Importer.STAGING)), "the staging folder is gone once the import is complete");
        }
        // --source: only that source
        Path only = jimfs.getPath("/import/docs-only");
        assertTrue(importArchive(export(Optional.empty(), Optional.of("docs")), only, Importer.Mode.FILES).committed());
        assertEquals(Map.of("docs/notes.txt/inside.txt", "notes became a folder", "docs/report.md", "report 1"), TestFs.tree(only));
    }

    @Test
    void aRebuiltBackupRootRestoresEveryMomentAndTheEngineGoesOnFromIt() throws Exception {
        Map<Instant, Map<String, Snap>> history = history();
        Path root = jimfs.getPath("/newmachine/backup");
        Importer.Result r = importArchive(export(Optional.empty(), Optional.empty()), root, Importer.Mode.BACKUP_ROOT);
        assertTrue(r.committed(), r.problems().toString());
        assertEquals(state(backup).totalLive(), state(root).totalLive());
        // The rebuilt root holds the same files as the original (mirror, versions, deleted copies, duplicates) ...
        Map<String, String> original = TestFs.tree(backup);
        Map<String, String> rebuilt = TestFs.tree(root);
        original.keySet().removeIf(p -> p.startsWith(".keepwatch/") || p.equals("state.json"));
        rebuilt.keySet().removeIf(p -> p.startsWith(".keepwatch/") || p.equals("state.json"));
        assertEquals(original, rebuilt);
        // ... and its state.json the same records (but the inode and device numbers of the old machine)
        BackupState was = state(backup);
        BackupState is = state(root);
        for (String s : was.sourceNames()) {
            assertEquals(was.histories(s), is.histories(s));
            assertEquals(was.liveFiles(s).keySet(), is.liveFiles(s).keySet());
            was.liveFiles(s).forEach((rel, l) -> assertEquals(l.withFacts(new io.keepwatch.state.FileFacts(l.hash(), l.size(), l.mtime(), "", l.perms())),
                    is.liveFiles(s).get(rel), rel));
        }
        // ... and every moment restores from it with the local restore, as from the original.
        int k = 0;
        Config moved = TestFs.config(jimfs.getPath("/etc2"), root, RetentionConfig.defaults(), new SourceConfig("src", src),
                new SourceConfig("docs", docs));
        for (Map.Entry<Instant, Map<String, Snap>> moment : history.entrySet()) {
            Path to = jimfs.getPath("/restore/at-" + k++);
            BackupState s = state(root);
            Files.createDirectories(to);
            RestoreReport rep = new Restorer(new BackupLayout(root), fs, Progress.NONE).restore(Selection.select(s,
                    new Selection.Request(Optional.empty(), Optional.empty(), new Selection.When.At(moment.getKey()))), to, false);
            assertTrue(rep.complete(), rep.problems().toString());
            assertEquals(moment.getValue(), snapshot(Map.of("src", to.resolve("src"), "docs", to.resolve("docs"))));
        }
        // The engine goes on from the rebuilt root: an edit becomes a new version there.
        put(src, "a.txt", "alpha 5");
        try (Engine e = Engine.open(moved, fs, clock, Progress.NONE)) {
            PassResult p = e.runFull(Engine.PassOptions.DEFAULT);
            assertTrue(p.complete(), p.problems().toString());
        }
        assertEquals("alpha 5", TestFs.read(root.resolve("src/a.txt")));
        assertEquals("alpha 3", TestFs.read(root.resolve("versions/src/a.txt/v3.bak")));
    }

    @Test
    void emptyFoldersAndTheirModesAreExportedAndImported() throws Exception {
        put(src, "a.txt", "alpha");
        Files.createDirectories(src.resolve("inbox"));
        Files.setPosixFilePermissions(src.resolve("inbox"), PosixFilePermissions.fromString("rwx------"));
        Instant t1 = step();
        put(src, "inbox/mail.txt", "hello");
        Files.createDirectories(src.resolve("later/deep"));
        Files.setPosixFilePermissions(src.resolve("later/deep"), PosixFilePermissions.fromString("rwxr-x---"));
        step();

        Path now = jimfs.getPath("/import/now");
        assertTrue(importArchive(export(Optional.empty(), Optional.empty()), now, Importer.Mode.FILES).committed());
        assertEquals("hello", TestFs.read(now.resolve("src/inbox/mail.txt")));
        assertTrue(Files.isDirectory(now.resolve("src/later/deep")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(now.resolve("src/later/deep"))));

        Path then = jimfs.getPath("/import/then");
        assertTrue(importArchive(export(Optional.of(t1), Optional.empty()), then, Importer.Mode.FILES).committed());
        assertTrue(Files.isDirectory(then.resolve("src/inbox")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(then.resolve("src/inbox"))));
        assertFalse(Files.exists(then.resolve("src/later")), "made after the export's moment");

        // A rebuilt backup root: its mirror has the empty folder, its state.json every span (so --at finds inbox too).
        Path root = jimfs.getPath("/newmachine/backup");
        assertTrue(importArchive(export(Optional.empty(), Optional.empty()), root, Importer.Mode.BACKUP_ROOT).committed());
        assertTrue(Files.isDirectory(root.resolve("src/later/deep")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("src/later/deep"))));
        assertEquals(state(backup).folders("src"), state(root).folders("src"));
        Path at = jimfs.getPath("/restore/t1");
        Files.createDirectories(at);
        BackupState s = state(root);
        Selection.Request request = new Selection.Request(Optional.of("src"), Optional.empty(), new Selection.When.At(t1));
        RestoreReport rep = new Restorer(new BackupLayout(root), fs, Progress.NONE).restore(Selection.select(s, request),
                Selection.folders(s, request), at, false);
        assertTrue(rep.complete(), rep.problems().toString());
        assertTrue(Files.isDirectory(at.resolve("inbox")));
        assertEquals(Map.of("a.txt", "alpha"), TestFs.tree(at));
    }

    /** An archive of several segments: a 3 MiB random file, so its pack spans four segments. */
    private byte[] bigArchive() throws Exception {
        byte[] big = new byte[3 << 20];
        new Random(5).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        put(docs, "d.txt", "delta");
        step();
        return export(Optional.empty(), Optional.empty());
    }

    /** The byte offset of each segment. */
    private static java.util.List<Integer> segments(byte[] a) {
        java.util.List<Integer> out = new java.util.ArrayList<>();
        int off = ArchiveFormat.HEADER_BYTES;
        while (off < a.length) {
            out.add(off);
            off += ArchiveFormat.FRAME_HEAD + ByteBuffer.wrap(a, off + 5, 4).getInt();
        }
        return out;
    }

    private String refused(byte[] archive) throws Exception {
        Path to = jimfs.getPath("/import/tampered-" + System.nanoTime());
        RepoException e = assertThrows(RepoException.class, () -> importArchive(archive, to, Importer.Mode.FILES));
        assertFalse(Files.exists(to.resolve("src")), "nothing is presented as imported");
        return e.getMessage();
    }

    @Test
    void eachKindOfDamageIsNamed() throws Exception {
        byte[] a = bigArchive();
        java.util.List<Integer> seg = segments(a);
        assertTrue(seg.size() >= 5, "segments: " + seg.size());
        assertTrue(importArchive(a, jimfs.getPath("/import/whole"), Importer.Mode.FILES).committed());

        // truncated: at a segment boundary, inside a segment, and without only the end marker
        String m = refused(Arrays.copyOf(a, seg.get(3)));
        assertTrue(m.contains("is truncated: it ends after segment 2") && m.contains("without its end marker"), m);
        m = refused(Arrays.copyOf(a, seg.get(2) + 100));
        assertTrue(m.contains("is truncated: it ends inside segment 2"), m);
        m = refused(Arrays.copyOf(a, seg.get(seg.size() - 1)));
        assertTrue(m.contains("is truncated") && m.contains("without its end marker"), m);

        // reordered: two segments swapped; one dropped
        int s1 = seg.get(1);
        int s2 = seg.get(2);
        int s3 = seg.get(3);
        byte[] swapped = new byte[a.length];
        System.arraycopy(a, 0, swapped, 0, s1);
        System.arraycopy(a, s2, swapped, s1, s3 - s2);
        System.arraycopy(a, s1, swapped, s1 + (s3 - s2), s2 - s1);
        System.arraycopy(a, s3, swapped, s3, a.length - s3);
        m = refused(swapped);
        assertTrue(m.contains("is out of order: segment 2 is where segment 1 belongs"), m);
        byte[] dropped = new byte[a.length - (s2 - s1)];
        System.arraycopy(a, 0, dropped, 0, s1);
        System.arraycopy(a, s2, dropped, s1, a.length - s2);
        m = refused(dropped);
        assertTrue(m.contains("is out of order: segment 2 is where segment 1 belongs"), m);

        // a flipped byte: in a segment's data, in its number, in the header
        byte[] flipped = a.clone();
        flipped[s2 + 5000] ^= 0x01;
        m = refused(flipped);
        assertTrue(m.contains("is damaged: segment 2 (bytes " + s2 + "-") && m.contains("does not authenticate"), m);
        flipped = a.clone();
        flipped[s2 + 3] ^= 0x01;
        m = refused(flipped);
        assertTrue(m.contains("is damaged: segment 2") && m.contains("does not authenticate"), m);
        flipped = a.clone();
        flipped[50] ^= 0x01;
        m = refused(flipped);
        assertTrue(m.contains("is damaged: its header"), m);

        // data after the end marker
        byte[] longer = Arrays.copyOf(a, a.length + 10);
        m = refused(longer);
        assertTrue(m.contains("has 10 bytes after its end marker"), m);
    }

    @Test
    void aWrongKeyIsRefusedBeforeAnythingIsWritten() throws Exception {
        byte[] a = bigArchive();
        KeyFile.Opened other = KeyFile.create(jimfs.getPath("/keys/other.key"), Optional.empty(), KeyFile.DEFAULT_KDF);
        Path to = jimfs.getPath("/import/wrong-key");
        Path file = jimfs.getPath("/archives/a.kwx");
        Files.createDirectories(file.getParent());
        Files.write(file, a);
        RepoException e = assertThrows(RepoException.class,
                () -> new Importer(file, other, "/keys/other.key", to, Importer.Mode.FILES, clock, Progress.NONE).run(null));
        assertTrue(e.getMessage().startsWith("wrong key: key file /keys/other.key is the key of repository"), e.getMessage());
        assertFalse(Files.exists(to), "nothing written");
        // the same repository id with another master key (a forged or damaged key file)
        KeyFile.Opened forged = new KeyFile.Opened(key.repoId(), other.master());
        e = assertThrows(RepoException.class,
                () -> new Importer(file, forged, "forged.key", to, Importer.Mode.FILES, clock, Progress.NONE).run(null));
        assertTrue(e.getMessage().startsWith("wrong key: key file forged.key does not open archive"), e.getMessage());
        assertFalse(Files.exists(to), "nothing written");
    }

    @Test
    void anImportStoppedAfterSomeObjectsGoesOnFromTheLastOne() throws Exception {
        byte[] a = bigArchive();
        Path to = jimfs.getPath("/import/resumed");
        Path file = jimfs.getPath("/archives/r.kwx");
        Files.createDirectories(file.getParent());
        // The first run sees the archive cut after its first objects (as if stopped while reading them) ...
        java.util.List<Integer> seg = segments(a);
        Files.write(file, Arrays.copyOf(a, seg.get(3)));
        assertThrows(RepoException.class, () -> new Importer(file, key, "k", to, Importer.Mode.FILES, clock, Progress.NONE).run(null));
        assertTrue(Files.isRegularFile(to.resolve(Importer.STAGING).resolve("progress.json")));
        assertFalse(Files.exists(to.resolve("src")));
        // ... the rerun reads on from the last whole object, not from the start.
        Files.write(file, a);
        Importer.Result r = new Importer(file, key, "k", to, Importer.Mode.FILES, clock, Progress.NONE).run(null);
        assertTrue(r.committed());
        assertTrue(r.resumedFrom().isPresent() && r.resumedFrom().get().startsWith("object 2 of the archive"), r.resumedFrom().toString());
        assertEquals("delta", TestFs.read(to.resolve("docs/d.txt")));
        assertTrue(Arrays.equals(Files.readAllBytes(src.resolve("big.bin")), Files.readAllBytes(to.resolve("src/big.bin"))));
        assertFalse(Files.exists(to.resolve(Importer.STAGING)));
    }

    @Test
    void aFolderThatIsNotEmptyIsRefused() throws Exception {
        byte[] a = bigArchive();
        Path to = jimfs.getPath("/import/full");
        TestFs.write(to.resolve("mine.txt"), "keep me");
        Exception e = assertThrows(Exception.class, () -> importArchive(a, to, Importer.Mode.FILES));
        assertTrue(e.getMessage().contains("it is not empty"), e.getMessage());
        assertEquals(Map.of("mine.txt", "keep me"), TestFs.tree(to));
    }
}
