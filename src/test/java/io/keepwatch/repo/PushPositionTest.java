package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.replicate.RepoTarget;
import io.keepwatch.replicate.Replicator;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A push from a state position: when this host's newest snapshot was made from the state as it is now, the push
 * loads nothing and makes no snapshot; after any change (an edit, a deletion, local retention pruning, a rewrite of
 * state.json, an older copy of the backup root put back, another backup root pushing under the same host, a source
 * moved, a garbled record of the position) it
 * pushes in full. Each case is checked against a full push of the loaded state right after: it must find the
 * newest snapshot to be exactly what the state gives, so nothing was skipped wrongly.
 */
class PushPositionTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private Path repoDir;
    private Path keyFile;
    private Path cache;
    private MutableClock clock;
    private RealFs fs;
    private Config config;
    private final AtomicInteger loads = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        repoDir = jimfs.getPath("/mnt/usb/repo");
        keyFile = jimfs.getPath("/keys/repo.key");
        cache = jimfs.getPath("/cache");
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new RealFs(false, ms -> { });
        config = config(backup, RetentionConfig.defaults());
        Repository.init(new LocalStore(repoDir), keyFile, Optional.empty(), KeyFile.DEFAULT_KDF);
        TestFs.write(src.resolve("a.txt"), "alpha");
        TestFs.write(src.resolve("sub/b.txt"), "bravo");
        once(config);
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private Config config(Path root, RetentionConfig retention) {
        return TestFs.config(jimfs.getPath("/etc"), root, retention, new SourceConfig("src", src));
    }

    private void once(Config c) throws Exception {
        clock.advance(Duration.ofMinutes(1));
        try (Engine e = Engine.open(c, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(new Engine.PassOptions(false, java.util.Set.of(), java.util.Set.of(), true)).complete());
        }
    }

    private Repository open() throws Exception {
        return Repository.openUnindexed(new LocalStore(repoDir), KeyFile.read(keyFile, Optional.empty()), "repo.key", Optional.of(cache));
    }

    /** A push as {@code keepwatch push} makes it: the position first, the state loaded only if needed. */
    private Pusher.Result push(Path root, String host, Map<String, String> paths) throws Exception {
        clock.advance(Duration.ofMinutes(1));
        StateStore store = new StateStore(new BackupLayout(root), fs, clock);
        Optional<String> position = store.position();
        assertTrue(position.isPresent());
        try (Repository r = open()) {
            return new Pusher(r, new BackupLayout(root), clock, host, Progress.NONE, Optional.of(cache)).push(position, () -> {
                loads.incrementAndGet();
                return store.load().orElseThrow();
            }, paths);
        }
    }

    private Pusher.Result push() throws Exception {
        return push(backup, "laptop", Map.of("src", src.toString()));
    }

    /** The newest snapshot of {@code host} is exactly what a full push of {@code root}'s state gives. */
    private void assertNewestIsTheState(Path root, String host, Map<String, String> paths) throws Exception {
        BackupState state = new StateStore(new BackupLayout(root), fs, clock).load().orElseThrow();
        try (Repository r = open()) {
            r.loadIndex();
            Pusher.Result full = new Pusher(r, new BackupLayout(root), clock, host, Progress.NONE, Optional.empty()).push(state, paths);
            assertTrue(full.snapshot().isEmpty(), "a full push found the newest snapshot of " + host + " out of date");
        }
    }

    private void assertNewestIsTheState() throws Exception {
        assertNewestIsTheState(backup, "laptop", Map.of("src", src.toString()));
    }

    private void assertSkipped(Pusher.Result r) {
        assertTrue(r.snapshot().isEmpty());
        assertTrue(r.unchangedFrom().isPresent());
        assertEquals(0, loads.getAndSet(0), "the state was loaded");
    }

    private Pusher.Result assertPushedInFull(Pusher.Result r, boolean newSnapshot) throws Exception {
        assertEquals(1, loads.getAndSet(0), "the state was not loaded");
        assertEquals(newSnapshot, r.snapshot().isPresent());
        assertNewestIsTheState();
        return r;
    }

    @Test
    void anUnchangedStateIsNotLoadedAndMakesNoSnapshot() throws Exception {
        Pusher.Result first = assertPushedInFull(push(), true);
        assertFalse(first.snapshot().get().statePosition().isEmpty(), "the snapshot records the state's position");
        assertSkipped(push());
        assertSkipped(push());
        assertNewestIsTheState();
    }

    @Test
    void editsAndDeletionsArePushed() throws Exception {
        assertPushedInFull(push(), true);
        TestFs.write(src.resolve("a.txt"), "alpha 2");
        once(config);
        assertPushedInFull(push(), true);
        Files.delete(src.resolve("sub/b.txt"));
        once(config);
        assertPushedInFull(push(), true);
        assertSkipped(push());
    }

    @Test
    void localRetentionPruningIsPushed() throws Exception {
        for (int i = 2; i <= 4; i++) {
            TestFs.write(src.resolve("a.txt"), "alpha " + i);
            once(config);
        }
        assertPushedInFull(push(), true);
        assertEquals(3, new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow()
                .history(new FileRef("src", "a.txt")).versions().size());
        once(config(backup, new RetentionConfig(1, Optional.empty(), Optional.empty())));
        assertEquals(1, new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow()
                .history(new FileRef("src", "a.txt")).versions().size(), "retention pruned the versions");
        assertPushedInFull(push(), true);
        assertSkipped(push());
    }

    @Test
    void aRewriteOfStateJsonWithTheSameContentIsLoadedOnceThenSkipped() throws Exception {
        assertPushedInFull(push(), true);
        StateStore store = new StateStore(new BackupLayout(backup), fs, clock);
        store.save(store.load().orElseThrow());
        // A new save_id: the push loads the state, builds the same trees, makes no snapshot and remembers that.
        assertPushedInFull(push(), false);
        assertSkipped(push());
    }

    @Test
    void anOlderBackupRootPutBackIsPushed() throws Exception {
        assertPushedInFull(push(), true);
        Path old = jimfs.getPath("/backup-copy");
        copyTree(backup, old);
        TestFs.write(src.resolve("a.txt"), "alpha 2");
        once(config);
        assertPushedInFull(push(), true);
        // The backup root restored from an older copy of itself: state.json, its change log and the files as they were.
        deleteTree(backup);
        copyTree(old, backup);
        assertPushedInFull(push(), true);
        assertSkipped(push());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (var s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @Test
    void anotherHostsSnapshotDoesNotMatterButAnotherRootUnderTheSameHostDoes() throws Exception {
        Path other = jimfs.getPath("/backup2");
        Config otherConfig = config(other, RetentionConfig.defaults());
        TestFs.write(src.resolve("c.txt"), "charlie");
        once(otherConfig);
        assertPushedInFull(push(), true);
        assertEquals(1, push(other, "desktop", Map.of("src", src.toString())).snapshot().stream().count());
        loads.set(0);
        assertSkipped(push());
        // The same host name pushed from another backup root: this root's state is no longer the newest snapshot.
        assertTrue(push(other, "laptop", Map.of("src", src.toString())).snapshot().isPresent());
        loads.set(0);
        assertPushedInFull(push(), true);
        assertSkipped(push());
    }

    @Test
    void aSourceFolderMovedInTheConfigIsPushed() throws Exception {
        assertPushedInFull(push(), true);
        Map<String, String> moved = Map.of("src", "/elsewhere/src");
        Pusher.Result r = push(backup, "laptop", moved);
        assertEquals(1, loads.getAndSet(0));
        assertEquals("/elsewhere/src", r.snapshot().orElseThrow().sources().get(0).path());
        assertSkipped(push(backup, "laptop", moved));
    }

    @Test
    void aGarbledRecordedPositionOrCacheFallsBackToTheFullPush() throws Exception {
        assertPushedInFull(push(), true);
        Snapshot real;
        try (Repository r = open()) {
            real = Snapshot.all(r).get(0);
            // A newer snapshot with the same trees whose recorded position is garbled, one character off, or not text.
            for (String garbled : new String[] {"\"garbage\"", "\"" + real.statePosition() + "x\"", "{\"a\": 1}", "42"}) {
                clock.advance(Duration.ofMinutes(1));
                String json = new String(new Snapshot("", clock.instant(), "laptop", real.hashAlgorithm(), real.sources(), 0, "").encode(),
                        StandardCharsets.UTF_8);
                r.saveObject("snapshots", json.replace("\"problems\":0", "\"problems\":0,\"state\":" + garbled)
                        .getBytes(StandardCharsets.UTF_8));
                try (Repository fresh = open()) {
                    assertNotEquals(real.statePosition(), Snapshot.all(fresh).stream().reduce((a, b) -> b).orElseThrow().statePosition());
                }
                deleteCache();
                assertPushedInFull(push(), false);
            }
        }
        assertSkipped(push());
        // The cache's record garbled: pushed in full again, never skipped on it.
        Path unchanged;
        try (var s = Files.walk(cache)) {
            unchanged = s.filter(p -> p.getFileName().toString().equals("unchanged")).findFirst().orElseThrow();
        }
        String line = Files.readString(unchanged);
        Files.writeString(unchanged, line.replace("\t", " "));
        assertPushedInFull(push(), false);
        Files.writeString(unchanged, line.substring(0, line.length() - 3));
        assertPushedInFull(push(), false);
        assertSkipped(push());
    }

    private void deleteCache() throws IOException {
        try (var s = Files.walk(cache)) {
            s.filter(p -> p.getFileName().toString().equals("unchanged")).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }

    @Test
    void aSnapshotWithProblemsIsNeverTakenAsUpToDate() throws Exception {
        Files.delete(findBackupFile("b.txt"));
        Pusher.Result r = push();
        assertEquals(1, loads.getAndSet(0));
        assertFalse(r.problems().isEmpty());
        assertEquals("", r.snapshot().orElseThrow().statePosition());
        Pusher.Result again = push();
        assertEquals(1, loads.getAndSet(0), "a snapshot with problems is pushed again");
        assertFalse(again.problems().isEmpty());
    }

    private Path findBackupFile(String name) throws IOException {
        try (var s = Files.walk(backup)) {
            return s.filter(p -> p.getFileName() != null && p.getFileName().toString().equals(name)).findFirst().orElseThrow();
        }
    }

    @Test
    void theReplicatorsPushSkipsAnUnchangedStateAndPushesAChange() throws Exception {
        RepoTarget target = new RepoTarget(quiet -> new LocalStore(repoDir), repoDir.toString(), KeyFile.read(keyFile, Optional.empty()),
                "repo.key", Optional.of(cache), new BackupLayout(backup), fs, clock, "laptop", Map.of("src", src.toString()));
        Replicator.Pushed first = target.push(true);
        assertTrue(first.newSnapshot());
        Replicator.Pushed second = target.push(true);
        assertFalse(second.newSnapshot());
        assertEquals(first.snapshot(), second.snapshot());
        TestFs.write(src.resolve("a.txt"), "alpha 2");
        once(config);
        Replicator.Pushed third = target.push(true);
        assertTrue(third.newSnapshot());
        assertNotEquals(first.snapshot(), third.snapshot());
        assertNewestIsTheState();
    }
}
