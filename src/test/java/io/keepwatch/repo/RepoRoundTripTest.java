package io.keepwatch.repo;

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
import io.keepwatch.restore.RestoreReport;
import io.keepwatch.restore.Selection;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
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
 * The repository round trip on jimfs with a pinned clock: a history of edits, renames and deletions is backed up
 * and pushed after every step; then every moment is restored from the repository and compared, path by path and
 * byte by byte (with mtime and permission bits), with the sources as they were then.
 */
class RepoRoundTripTest {
    private FileSystem jimfs;
    private Path src;
    private Path docs;
    private Path backup;
    private Path repoDir;
    private Path keyFile;
    private Path cache;
    private MutableClock clock;
    private RealFs fs;
    private Config config;
    private long mtimeSeq = 1_700_000_000L;

    record Snap(String content, long mtimeNanos, String perms) {
    }

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        docs = jimfs.getPath("/data/docs");
        backup = jimfs.getPath("/backup");
        repoDir = jimfs.getPath("/mnt/usb/repo");
        keyFile = jimfs.getPath("/keys/repo.key");
        cache = jimfs.getPath("/cache");
        Files.createDirectories(src);
        Files.createDirectories(docs);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new RealFs(false, ms -> { });
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src),
                new SourceConfig("docs", docs));
        Repository.init(new LocalStore(repoDir), keyFile, Optional.empty(), KeyFile.DEFAULT_KDF);
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

    private Repository open() throws Exception {
        return Repository.open(new LocalStore(repoDir), keyFile, Optional.empty(), Optional.of(cache));
    }

    private BackupState state() throws Exception {
        return new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow();
    }

    private Pusher.Result push() throws Exception {
        try (Repository r = open()) {
            return new Pusher(r, new BackupLayout(backup), clock, "laptop", Progress.NONE, Optional.of(cache))
                    .push(state(), Map.of("src", src.toString(), "docs", docs.toString()));
        }
    }

    /** A backup pass and a push at the clock's time; returns that time and moves the clock ten minutes on. */
    private Instant step() throws Exception {
        Instant t = clock.instant();
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            PassResult r = e.runFull(Engine.PassOptions.DEFAULT);
            assertTrue(r.complete(), r.problems().toString());
        }
        Pusher.Result r = push();
        assertTrue(r.problems().isEmpty(), r.problems().toString());
        clock.advance(Duration.ofMinutes(10));
        return t;
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

    private RestoreReport restore(Optional<String> snapshotId, Selection.When when, Optional<String> source, Optional<String> path,
            Path to) throws Exception {
        try (Repository r = open()) {
            Snapshot snap = Snapshot.choose(Snapshot.all(r), snapshotId, Optional.empty(), "elsewhere");
            Path dir = RepoRestorer.prepareDestination(to, false);
            RepoRestorer restorer = RepoRestorer.of(r, snap, dir, Progress.NONE);
            Selection.Request request = new Selection.Request(source, path, when);
            return restorer.restore(Selection.select(restorer.state(), request), Selection.folders(restorer.state(), request), dir, false);
        }
    }

    @Test
    void everyMomentComesBackFromTheRepositoryExactly() throws Exception {
        Map<Instant, Map<String, Snap>> history = new LinkedHashMap<>();
        put(src, "a.txt", "alpha 1");
        put(src, "sub/b.txt", "bravo 1");
        put(src, "sub/deep/c.txt", "charlie 1");
        put(src, "copy-of-a.txt", "alpha 1");
        put(src, "empty", "");
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

        put(src, "sub/deep/c.txt", "charlie reborn");
        put(src, "copy-of-a.txt", "no longer a copy");
        Files.delete(docs.resolve("notes.txt"));
        put(docs, "notes.txt/inside.txt", "notes became a folder");
        history.put(step(), sourcesNow());

        Files.delete(src.resolve("sub/deep/c.txt"));
        Files.delete(src.resolve("empty"));
        Files.move(docs.resolve("notes.txt"), docs.resolve("notes"));
        put(src, "a.txt", "alpha 4");
        history.put(step(), sourcesNow());

        List<Snapshot> snaps;
        try (Repository r = open()) {
            snaps = Snapshot.all(r);
        }
        assertEquals(5, snaps.size());
        int k = 0;
        for (Map.Entry<Instant, Map<String, Snap>> moment : history.entrySet()) {
            // From the newest snapshot, which holds the whole history ...
            Path to = jimfs.getPath("/restore/at-" + k);
            RestoreReport r = restore(Optional.empty(), new Selection.When.At(moment.getKey()), Optional.empty(), Optional.empty(), to);
            assertTrue(r.complete(), r.problems().toString());
            assertEquals(moment.getValue(), snapshot(Map.of("src", to.resolve("src"), "docs", to.resolve("docs"))),
                    "restore --at " + moment.getKey());
            // ... and the latest state of the snapshot pushed at that moment.
            Path then = jimfs.getPath("/restore/snapshot-" + k);
            String id = snaps.get(k).shortId();
            assertTrue(restore(Optional.of(id), new Selection.When.Latest(), Optional.empty(), Optional.empty(), then).complete());
            assertEquals(moment.getValue(), snapshot(Map.of("src", then.resolve("src"), "docs", then.resolve("docs"))),
                    "snapshot " + id);
            k++;
        }

        Path v = jimfs.getPath("/restore/v2");
        assertTrue(restore(Optional.empty(), new Selection.When.Version(2), Optional.of("src"), Optional.of("a.txt"), v).complete());
        assertEquals(Map.of("a.txt", "alpha 2"), TestFs.tree(v));

        try (Repository r = open()) {
            Checker.Report c = new Checker(r).check(1);
            assertTrue(c.clean(), c.damage().toString());
            assertEquals(5, c.snapshots());
        }
    }

    @Test
    void checkReadDataReadsEveryPackAndNamesTheDamageInEach() throws Exception {
        put(src, "a.txt", "alpha");
        step();
        put(src, "b.txt", "bravo");
        step();
        put(docs, "c.txt", "charlie");
        step();
        List<String> packs;
        long packBytes = 0;
        long plaintext = 0;
        try (Repository r = open()) {
            packs = List.copyOf(r.index().packIds());
            for (String p : packs) {
                packBytes += Files.size(repoDir.resolve(Pack.name(p)));
                plaintext += r.index().pack(p).stream().mapToLong(Pack.Entry::rawLength).sum();
            }
            Checker.Report c = new Checker(r).check(1);
            assertTrue(c.clean(), c.damage().toString());
            assertEquals(3, c.packsRead());
            assertEquals(packBytes, c.bytesRead());
            assertEquals(plaintext, c.plaintextRead());
        }
        assertEquals(3, packs.size());
        // A flipped byte in the data blob of two of the packs: each pack is named with its file.
        Map<String, String> flipped = new LinkedHashMap<>();
        try (Repository r = open()) {
            for (String p : List.of(packs.get(0), packs.get(2))) {
                Pack.Entry data = r.index().pack(p).stream().filter(e -> e.type() == Pack.DATA).findFirst().orElseThrow();
                Path file = repoDir.resolve(Pack.name(p));
                byte[] b = Files.readAllBytes(file);
                b[data.offset() + Crypto.NONCE + 2] ^= 1;
                Files.write(file, b);
                flipped.put(Pack.name(p), data.id());
            }
        }
        try (Repository r = open()) {
            Checker.Report c = new Checker(r).check(1);
            assertEquals(flipped.keySet(), c.damage().stream().map(Checker.Damage::object).collect(java.util.stream.Collectors.toSet()));
            // each named with the file whose chunk it holds (packs are listed in no particular order)
            for (Checker.Damage d : c.damage()) {
                String blob = flipped.get(d.object());
                assertTrue(d.reasons().iterator().next().contains(blob), d.toString());
                String file = d.affects().iterator().next().replaceAll(" \\(snapshot \\w+\\)$", "");
                assertTrue(file.matches("current copy of (src/a|src/b|docs/c)\\.txt"), d.toString());
                assertTrue(d.affects().stream().allMatch(a -> a.startsWith(file + " (snapshot ")), d.toString());
            }
            assertEquals(3, c.packsRead());
            assertEquals(packBytes, c.bytesRead());
        }
    }

    @Test
    void checkReadDataStillReadsAPackWhoseTreeIsDamagedAndNamesItsOtherDamage() throws Exception {
        put(src, "a.txt", "alpha");
        step();
        put(src, "b.txt", "bravo");
        step();
        String pack;
        Pack.Entry data;
        Pack.Entry tree;
        try (Repository r = open()) {
            pack = r.index().packIds().stream()
                    .filter(p -> r.index().pack(p).stream().anyMatch(e -> e.type() == Pack.TREE)
                            && r.index().pack(p).stream().anyMatch(e -> e.type() == Pack.DATA))
                    .reduce((a, b) -> b).orElseThrow();
            data = r.index().pack(pack).stream().filter(e -> e.type() == Pack.DATA).findFirst().orElseThrow();
            tree = r.index().pack(pack).stream().filter(e -> e.type() == Pack.TREE).findFirst().orElseThrow();
        }
        // Both the pack's file chunk and one of its trees are damaged: the tree's damage is found by walking the
        // snapshots, the chunk's only by reading the pack, and both are named (the pack is read though the walk
        // already found it damaged).
        Path file = repoDir.resolve(Pack.name(pack));
        byte[] b = Files.readAllBytes(file);
        b[data.offset() + Crypto.NONCE + 2] ^= 1;
        b[tree.offset() + Crypto.NONCE + 2] ^= 1;
        Files.write(file, b);
        try (Repository r = open()) {
            Checker.Report c = new Checker(r).check(1);
            Checker.Damage d = c.damage().stream().filter(x -> x.object().equals(Pack.name(pack))).findFirst().orElseThrow();
            assertTrue(d.reasons().stream().anyMatch(x -> x.contains("blob " + tree.id())), d.toString());
            assertTrue(d.reasons().stream().anyMatch(x -> x.contains("blob " + data.id())), d.toString());
            assertTrue(d.affects().stream().anyMatch(a -> a.startsWith("everything in folder src/")), d.toString());
            assertEquals(2, c.packsRead());
        }
    }

    /** The empty folders under {@code root}, by relative path, with their permission bits. */
    private static Map<String, String> emptyFolders(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.equals(root) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !p.getFileName().toString().startsWith(".keepwatch")) {
                    try (Stream<Path> children = Files.list(p)) {
                        if (children.findAny().isEmpty()) {
                            out.put(BackupLayout.relative(root, p),
                                    PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void emptyFoldersAndTheirModesComeBackFromTheRepository() throws Exception {
        put(src, "a.txt", "alpha");
        Files.createDirectories(src.resolve("inbox"));
        Files.setPosixFilePermissions(src.resolve("inbox"), PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(src.resolve("projects/new/drafts"));
        Files.setPosixFilePermissions(src.resolve("projects/new/drafts"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.createDirectories(docs.resolve("empty"));
        Files.setPosixFilePermissions(docs.resolve("empty"), PosixFilePermissions.fromString("rwxrwxr-x"));
        Map<String, String> before = Map.of("inbox", "rwx------", "projects/new/drafts", "rwxr-x---");
        assertEquals(before, emptyFolders(src));
        Instant t1 = step();

        // inbox gets a file, drafts goes, a new empty folder comes
        put(src, "inbox/mail.txt", "hello");
        Files.delete(src.resolve("projects/new/drafts"));
        Files.createDirectories(src.resolve("later"));
        Files.setPosixFilePermissions(src.resolve("later"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(src.resolve("projects/new"), PosixFilePermissions.fromString("rwx--x--x"));
        Map<String, String> after = emptyFolders(src);
        assertEquals(Map.of("later", "rwxr-xr-x", "projects/new", "rwx--x--x"), after);
        step();

        Path latest = jimfs.getPath("/restore/latest");
        RestoreReport r = restore(Optional.empty(), new Selection.When.Latest(), Optional.empty(), Optional.empty(), latest);
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(after, emptyFolders(latest.resolve("src")));
        assertEquals(Map.of("empty", "rwxrwxr-x"), emptyFolders(latest.resolve("docs")));
        assertEquals("hello", Files.readString(latest.resolve("src/inbox/mail.txt")));

        Path then = jimfs.getPath("/restore/then");
        r = restore(Optional.empty(), new Selection.When.At(t1), Optional.of("src"), Optional.empty(), then);
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(before, emptyFolders(then));

        Path one = jimfs.getPath("/restore/one");
        r = restore(Optional.empty(), new Selection.When.At(t1), Optional.of("src"), Optional.of("projects"), one);
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(Map.of("projects/new/drafts", "rwxr-x---"), emptyFolders(one));

        // Only empty folders selected: still a restore, not "nothing to restore"
        Path only = jimfs.getPath("/restore/only");
        r = restore(Optional.empty(), new Selection.When.Latest(), Optional.of("docs"), Optional.of("empty"), only);
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(Map.of("empty", "rwxrwxr-x"), emptyFolders(only));

        try (Repository repo = open()) {
            Checker.Report c = new Checker(repo).check(1);
            assertTrue(c.clean(), c.damage().toString());
        }
    }

    @Test
    void aTreeWithoutEmptyFoldersReadsAsHavingNone() throws Exception {
        // What keepwatch wrote before it recorded empty folders: entries with no "empty" field.
        put(src, "a.txt", "alpha");
        step();
        try (Repository r = open()) {
            Snapshot snap = Snapshot.all(r).get(0);
            String root = snap.roots().get("src");
            String json = new String(r.read(root), java.nio.charset.StandardCharsets.UTF_8);
            assertFalse(json.contains("\"empty\""), json);
            Trees.Loaded loaded = Trees.read(r, snap.hashAlgorithm(), snap.roots(), jimfs.getPath("/restore"));
            assertTrue(loaded.state().folders("src").isEmpty());
            assertTrue(loaded.state().live(new io.keepwatch.state.FileRef("src", "a.txt")).isPresent());
        }
    }

    @Test
    void anUnchangedBackupReadsNothingAndMakesNoSnapshot() throws Exception {
        put(src, "a.txt", "alpha");
        put(docs, "d.txt", "delta");
        step();
        Pusher.Result again = push();
        assertTrue(again.snapshot().isEmpty());
        assertTrue(again.unchangedFrom().isPresent());
        assertEquals(0, again.contentsRead());
        assertEquals(0, again.bytesAdded());
    }

    @Test
    void oneEditedMebibyteInALargeFileAddsAFewChunks() throws Exception {
        byte[] big = new byte[24 << 20];
        new Random(7).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        step();
        for (int i = 0; i < (1 << 20); i++) {
            big[(10 << 20) + i] ^= 0x5a;
        }
        Files.write(src.resolve("big.bin"), big);
        Pusher.Result edited;
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        edited = push();
        // At most the edited MiB and the chunk on either side of it (at most 8 MiB each): 17 MiB plus the new
        // trees, not the 24 MiB again; the old content is now a version and costs nothing. Where the cuts fall
        // depends on the repository's random key, so the bound is the worst case, not a typical figure; a bound
        // of 12 MiB failed now and then.
        assertTrue(edited.bytesAdded() < 18L << 20, "added " + edited.bytesAdded());
        Path to = jimfs.getPath("/restore/big");
        assertTrue(restore(Optional.empty(), new Selection.When.Version(1), Optional.of("src"), Optional.of("big.bin"), to).complete());
        new Random(7).nextBytes(big);
        assertTrue(java.util.Arrays.equals(big, Files.readAllBytes(to.resolve("big.bin"))));
    }

    @Test
    void aPushStoppedHalfwayLeavesNoSnapshotAndTheNextOneCompletesIt() throws Exception {
        Random rnd = new Random(3);
        for (int i = 0; i < 3; i++) {
            byte[] b = new byte[7 << 20];
            rnd.nextBytes(b);
            Files.write(src.resolve("f" + i + ".bin"), b);
        }
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        // The store fails after its first pack: as if the process were killed there.
        BlobStore failing = new FailingStore(new LocalStore(repoDir), 1);
        try (Repository r = Repository.open(failing, keyFile, Optional.empty(), Optional.of(cache))) {
            assertThrows(IOException.class, () -> new Pusher(r, new BackupLayout(backup), clock, "laptop", Progress.NONE,
                    Optional.of(cache)).push(state(), Map.of()));
        }
        try (Repository r = open()) {
            assertTrue(Snapshot.all(r).isEmpty());
            assertTrue(new Checker(r).check(1).clean());
        }
        Pusher.Result r = push();
        assertTrue(r.snapshot().isPresent());
        // The pack already written (16 MiB or more of the 21) is indexed from its header, not written again.
        assertTrue(r.bytesAdded() < 6L << 20, "added " + r.bytesAdded());
        try (Repository repo = open()) {
            Checker.Report c = new Checker(repo).check(1);
            assertTrue(c.clean(), c.damage().toString());
        }
        Path to = jimfs.getPath("/restore/all");
        assertTrue(restore(Optional.empty(), new Selection.When.Latest(), Optional.of("src"), Optional.empty(), to).complete());
        for (int i = 0; i < 3; i++) {
            assertEquals(-1, Files.mismatch(src.resolve("f" + i + ".bin"), to.resolve("f" + i + ".bin")));
        }
    }

    @Test
    void aWrongKeyOpensNothingAndWritesNothing() throws Exception {
        Path other = jimfs.getPath("/keys/other.key");
        Repository.init(new LocalStore(jimfs.getPath("/other-repo")), other, Optional.empty(), KeyFile.DEFAULT_KDF);
        long before = sizeOf(repoDir);
        RepoException e = assertThrows(RepoException.class,
                () -> Repository.open(new LocalStore(repoDir), other, Optional.empty(), Optional.of(cache)));
        assertTrue(e.getMessage().contains("does not open the repository"), e.getMessage());
        assertEquals(before, sizeOf(repoDir));
        assertFalse(Files.exists(cache.resolve("x")));
    }

    @Test
    void aPassphraseWrapsTheKeyAndAWrongOneIsNamed() throws Exception {
        Path store = jimfs.getPath("/pw-repo");
        Path key = jimfs.getPath("/keys/pw.key");
        KeyFile.Kdf light = new KeyFile.Kdf(1024, 1, 1);
        Repository.init(new LocalStore(store), key, Optional.of("correct horse".toCharArray()), light);
        assertFalse(Files.readString(key).contains("\"key\""));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        RepoException wrong = assertThrows(RepoException.class,
                () -> Repository.open(new LocalStore(store), key, Optional.of("battery".toCharArray()), Optional.empty()));
        assertTrue(wrong.getMessage().startsWith("wrong passphrase for key file"), wrong.getMessage());
        RepoException none = assertThrows(RepoException.class,
                () -> Repository.open(new LocalStore(store), key, Optional.empty(), Optional.empty()));
        assertTrue(none.getMessage().contains("protected by a passphrase"), none.getMessage());
        Repository.open(new LocalStore(store), key, Optional.of("correct horse".toCharArray()), Optional.empty()).close();
    }

    private static long sizeOf(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sum();
        }
    }

    /** A store that fails every write after the first {@code packs} packs, as a killed push would stop. */
    static final class FailingStore implements BlobStore {
        private final BlobStore inner;
        private int packsLeft;

        FailingStore(BlobStore inner, int packs) {
            this.inner = inner;
            this.packsLeft = packs;
        }

        @Override
        public boolean putIfAbsent(String name, byte[] data) throws IOException {
            if (name.startsWith("data/") && packsLeft-- <= 0) {
                throw new IOException("simulated crash writing " + name);
            }
            return inner.putIfAbsent(name, data);
        }

        @Override
        public byte[] get(String name) throws IOException {
            return inner.get(name);
        }

        @Override
        public byte[] getRange(String name, long offset, int length) throws IOException {
            return inner.getRange(name, offset, length);
        }

        @Override
        public List<Entry> list(String prefix) throws IOException {
            return inner.list(prefix);
        }

        @Override
        public Optional<Long> stat(String name) throws IOException {
            return inner.stat(name);
        }

        @Override
        public void delete(String name) throws IOException {
            inner.delete(name);
        }

        @Override
        public void create() throws IOException {
            inner.create();
        }

        @Override
        public String describe() {
            return inner.describe();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
