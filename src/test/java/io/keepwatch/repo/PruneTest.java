package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.restore.Selection;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Prune on jimfs: what no kept snapshot uses goes, what one uses stays whole; locks keep prune and push apart. */
class PruneTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private Path repoDir;
    private Path keyFile;
    private Path cache;
    private MutableClock clock;
    private RealFs fs;
    private Config config;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        repoDir = jimfs.getPath("/repo");
        keyFile = jimfs.getPath("/keys/k");
        cache = jimfs.getPath("/cache");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new RealFs(false, ms -> { });
        // One old version per file: an edit drops the version before it, locally and from the next snapshot.
        config = TestFs.config(jimfs.getPath("/etc"), backup, new RetentionConfig(1, Optional.empty(), Optional.empty()),
                new SourceConfig("src", src));
        Repository.init(new LocalStore(repoDir), keyFile, Optional.empty(), KeyFile.DEFAULT_KDF);
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private Repository open() throws Exception {
        return Repository.open(new LocalStore(repoDir), keyFile, Optional.empty(), Optional.of(cache));
    }

    private void backupAndPush() throws Exception {
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        try (Repository r = open()) {
            Pusher.Result res = new Pusher(r, new BackupLayout(backup), clock, "laptop", Progress.NONE, Optional.of(cache))
                    .push(new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow(), Map.of());
            assertTrue(res.problems().isEmpty(), res.problems().toString());
        }
        clock.advance(Duration.ofMinutes(10));
    }

    private byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void pruneDropsWhatNoKeptSnapshotUsesAndKeepsTheRestWhole() throws Exception {
        Files.write(src.resolve("big.bin"), random(20 << 20, 1));
        Files.write(src.resolve("small.txt"), "stays".getBytes());
        backupAndPush();
        Files.write(src.resolve("big.bin"), random(3 << 20, 2));
        backupAndPush();
        Files.write(src.resolve("big.bin"), random(3 << 20, 3));
        backupAndPush(); // the 20 MiB content is no longer a version (max 1): only the first two snapshots use it

        long before;
        try (Repository r = open()) {
            assertEquals(3, Snapshot.all(r).size());
            Pruner.Report dry = new Pruner(r, clock, "admin").prune(Optional.of(1), true);
            assertEquals(2, dry.snapshotsRemoved().size());
            before = dry.bytesBefore();
            assertTrue(dry.bytesAfter() < before - (15 << 20), dry.toString());
        }
        try (Repository r = open()) {
            assertEquals(3, Snapshot.all(r).size(), "a dry run removes nothing");
            Pruner.Report done = new Pruner(r, clock, "admin").prune(Optional.of(1), false);
            assertTrue(done.bytesAfter() < before - (15 << 20), done.toString());
            assertTrue(done.packsDeleted() + done.packsRepacked() > 0, done.toString());
        }
        try (Repository r = open()) {
            assertEquals(1, Snapshot.all(r).size());
            Checker.Report c = new Checker(r).check(1);
            assertTrue(c.clean(), c.damage().toString());
            assertTrue(c.notes().isEmpty(), c.notes().toString());
        }
        // What the kept snapshot holds comes back: the current copy and the one version.
        Path to = jimfs.getPath("/restore");
        try (Repository r = open()) {
            Snapshot snap = Snapshot.choose(Snapshot.all(r), Optional.empty(), Optional.empty(), "laptop");
            Path dir = RepoRestorer.prepareDestination(to, false);
            RepoRestorer restorer = RepoRestorer.of(r, snap, dir, Progress.NONE);
            assertTrue(restorer.restore(Selection.select(restorer.state(), new Selection.Request(Optional.of("src"),
                    Optional.empty(), new Selection.When.Latest())), List.of(), dir, false).complete());
            Path v = jimfs.getPath("/restore-v");
            Path vdir = RepoRestorer.prepareDestination(v, false);
            assertTrue(restorer.restore(Selection.select(restorer.state(), new Selection.Request(Optional.of("src"),
                    Optional.of("big.bin"), new Selection.When.Version(2))), List.of(), vdir, false).complete());
            assertEquals(-1, Files.mismatch(v.resolve("big.bin"), backup.resolve("versions/src/big.bin/v2.bak")));
        }
        assertEquals(-1, Files.mismatch(src.resolve("big.bin"), to.resolve("big.bin")));
        assertEquals("stays", Files.readString(to.resolve("small.txt")));
    }

    @Test
    void pruneAndPushKeepEachOtherOut() throws Exception {
        Files.writeString(src.resolve("a.txt"), "alpha");
        backupAndPush();
        try (Repository r = open(); Lock push = Lock.take(r, clock, "laptop", false)) {
            RepoException e = assertThrows(RepoException.class, () -> new Pruner(r, clock, "admin").prune(Optional.empty(), false));
            assertTrue(e.getMessage().contains("is locked by a push on laptop"), e.getMessage());
            // Another host's push may run beside it.
            Lock.take(r, clock, "desktop", false).close();
        }
        try (Repository r = open(); Lock prune = Lock.take(r, clock, "admin", true)) {
            RepoException e = assertThrows(RepoException.class, () -> Lock.take(r, clock, "laptop", false));
            assertTrue(e.getMessage().contains("is locked by a prune on admin"), e.getMessage());
        }
        // A lock left by a process that died is ignored once stale, and prune removes it.
        try (Repository r = open()) {
            Lock.take(r, clock, "crashed", false); // never released
            clock.advance(Lock.STALE.plusMinutes(1));
            assertEquals(1, new Pruner(r, clock, "admin").prune(Optional.empty(), false).locksRemoved());
            assertEquals(List.of(), r.store().list("locks/"));
        }
    }

    @Test
    void aPruneStoppedHalfwayLeavesAWholeRepository() throws Exception {
        Files.write(src.resolve("big.bin"), random(20 << 20, 1));
        backupAndPush();
        Files.write(src.resolve("big.bin"), random(2 << 20, 2));
        backupAndPush();
        Files.write(src.resolve("big.bin"), random(2 << 20, 3));
        backupAndPush();
        // Deleting fails after the old snapshots and the first index object are gone: as if killed there.
        BlobStore failing = new FailingDeletes(new LocalStore(repoDir), 3);
        try (Repository r = Repository.open(failing, keyFile, Optional.empty(), Optional.of(cache))) {
            assertThrows(IOException.class, () -> new Pruner(r, clock, "admin").prune(Optional.of(1), false));
        }
        clock.advance(Lock.STALE.plusMinutes(1)); // its lock is left behind
        try (Repository r = open()) {
            Checker.Report c = new Checker(r).check(1);
            assertTrue(c.clean(), c.damage().toString());
            new Pruner(r, clock, "admin").prune(Optional.of(1), false);
        }
        try (Repository r = open()) {
            Checker.Report c = new Checker(r).check(1);
            assertTrue(c.clean(), c.damage().toString());
            assertTrue(c.notes().isEmpty(), c.notes().toString());
            assertEquals(1, c.snapshots());
        }
    }

    @Test
    void snapshotsAndPacksUnderObjectLockAreKeptUntilTheirRetentionEnds() throws Exception {
        Files.write(src.resolve("big.bin"), random(20 << 20, 1));
        backupAndPush();
        Files.write(src.resolve("big.bin"), random(3 << 20, 2));
        backupAndPush();
        Files.write(src.resolve("big.bin"), random(3 << 20, 3));
        backupAndPush(); // only the first two snapshots use the 20 MiB content
        Instant until = clock.instant().plus(Duration.ofDays(1));
        try (Repository r = Repository.open(new Retaining(new LocalStore(repoDir), until), keyFile, Optional.empty(), Optional.of(cache))) {
            Pruner.Report kept = new Pruner(r, clock, "admin").prune(Optional.of(1), false);
            assertEquals(List.of(), kept.snapshotsRemoved());
            assertEquals(0, kept.packsDeleted() + kept.packsRepacked());
            assertEquals(2, kept.retained().size(), kept.retained().toString());
            assertTrue(kept.retained().keySet().stream().allMatch(n -> n.startsWith("snapshots/")), kept.retained().toString());
            assertEquals(until, kept.retained().values().iterator().next());
        }
        clock.advance(Duration.ofDays(1).plusMinutes(1));
        try (Repository r = Repository.open(new Retaining(new LocalStore(repoDir), until), keyFile, Optional.empty(), Optional.of(cache))) {
            Pruner.Report done = new Pruner(r, clock, "admin").prune(Optional.of(1), false);
            assertEquals(2, done.snapshotsRemoved().size());
            assertTrue(done.packsDeleted() + done.packsRepacked() > 0, done.toString());
            assertEquals(Map.of(), done.retained());
        }
        try (Repository r = open()) {
            assertTrue(new Checker(r).check(1).clean());
        }
    }

    /** A store under S3 Object Lock: every object is retained until {@code until}. */
    static final class Retaining extends FailingDeletes {
        private final Instant until;

        Retaining(BlobStore inner, Instant until) {
            super(inner, Integer.MAX_VALUE);
            this.until = until;
        }

        @Override
        public Optional<Instant> retainedUntil(String name) {
            return Optional.of(until);
        }
    }

    /** A store whose deletes fail after the first {@code n}. */
    static class FailingDeletes implements BlobStore {
        private final BlobStore inner;
        private int left;

        FailingDeletes(BlobStore inner, int n) {
            this.inner = inner;
            this.left = n;
        }

        @Override
        public boolean putIfAbsent(String name, byte[] data) throws IOException {
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
            if (!name.startsWith("locks/") && left-- <= 0) {
                throw new IOException("simulated crash deleting " + name);
            }
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
