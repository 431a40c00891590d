package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A push reads backup files on reader threads ahead of itself: what it writes does not depend on their timing,
 * what they read ahead is bounded, and a file that fails to read is named, with no snapshot written.
 */
class PushReadAheadTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private Path keyFile;
    private MutableClock clock;
    private RealFs fs;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        keyFile = jimfs.getPath("/keys/repo.key");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new RealFs(false, ms -> { });
        Random rnd = new Random(5);
        for (int i = 0; i < 40; i++) {
            byte[] b = new byte[i % 10 == 0 ? (3 << 20) + i : 1000 + rnd.nextInt(60_000)];
            rnd.nextBytes(b);
            Files.createDirectories(src.resolve("d" + i % 3));
            Files.write(src.resolve("d" + i % 3).resolve("f" + i + ".bin"), b);
        }
        Files.writeString(src.resolve("same-a.txt"), "the same content twice\n".repeat(100));
        Files.writeString(src.resolve("same-b.txt"), "the same content twice\n".repeat(100));
        Config config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        Files.writeString(src.resolve("d1").resolve("f1.bin"), "edited");
        clock.advance(Duration.ofMinutes(5));
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        Repository.init(new LocalStore(jimfs.getPath("/repos/first")), keyFile, Optional.empty(), KeyFile.DEFAULT_KDF);
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private BackupState state() throws Exception {
        return new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow();
    }

    /** A repository of the same key (so the same chunk ids) in its own folder. */
    private Repository repo(String name) throws Exception {
        LocalStore store = new LocalStore(jimfs.getPath("/repos/" + name));
        if (!Files.exists(store.root().resolve(Repository.CONFIG))) {
            store.create();
            Repository.create(store, KeyFile.read(keyFile, Optional.empty()), keyFile.toString()).close();
        }
        return Repository.open(store, keyFile, Optional.empty(), Optional.empty());
    }

    private Pusher pusher(Repository r, int window, ContentReader.Opener opener) {
        return new Pusher(r, new BackupLayout(backup), clock, "laptop", Progress.NONE, Optional.empty()).reading(window, opener);
    }

    /** Every pack's blob ids in the order they lie in it, packs sorted by their first blob. */
    private static List<List<String>> layout(Repository r) {
        List<List<String>> packs = new ArrayList<>();
        for (String p : r.index().packIds()) {
            packs.add(r.index().pack(p).stream().sorted(java.util.Comparator.comparingInt(Pack.Entry::offset)).map(Pack.Entry::id).toList());
        }
        packs.sort(java.util.Comparator.comparing(l -> l.get(0)));
        return packs;
    }

    /** Opens files through a stream that pauses at random on each read, so the readers finish in a random order. */
    private static final ContentReader.Opener JITTERY = f -> new FilterInputStream(ContentReader.FILES.open(f)) {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                Thread.sleep(ThreadLocalRandom.current().nextInt(3)); // the injected jitter under test, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
            return super.read(b, off, Math.min(len, 1 + ThreadLocalRandom.current().nextInt(256 * 1024)));
        }
    };

    @Test
    void packsAndTreesAreTheSameWhateverTheReadersTiming() throws Exception {
        Map<String, String> roots = new TreeMap<>();
        List<List<List<String>>> layouts = new ArrayList<>();
        int run = 0;
        for (int window : new int[] {0, 3, 3, 1}) {
            java.util.Set<String> openedOn = java.util.concurrent.ConcurrentHashMap.newKeySet();
            ContentReader.Opener opener = f -> {
                openedOn.add(Thread.currentThread().getName().replaceAll("[0-9]+$", ""));
                return (window == 0 ? ContentReader.FILES : JITTERY).open(f);
            };
            try (Repository r = repo("run" + run++)) {
                Pusher.Result res = pusher(r, window, opener).push(state(), Map.of("src", src.toString()));
                assertEquals(window == 0 ? java.util.Set.of(Thread.currentThread().getName()) : java.util.Set.of("keepwatch-read-"),
                        openedOn, "files read ahead on the reader threads, each in its planned turn");
                assertTrue(res.problems().isEmpty(), res.problems().toString());
                roots.put("window " + window + " run " + run, res.snapshot().orElseThrow().roots().toString());
                layouts.add(layout(r));
                assertTrue(new Checker(r).check(1).clean());
            }
        }
        assertEquals(1, roots.values().stream().distinct().count(), roots.toString());
        for (List<List<String>> l : layouts) {
            assertEquals(layouts.get(0), l, "the same blobs in the same packs in the same order");
        }
    }

    @Test
    void readersStopAheadOfThePushAtTheirBound() throws Exception {
        long fileSize = 64L << 20;
        AtomicInteger opened = new AtomicInteger();
        Map<Path, AtomicLong> read = new java.util.concurrent.ConcurrentHashMap<>();
        ContentReader.Opener endless = f -> {
            opened.incrementAndGet();
            AtomicLong n = read.computeIfAbsent(f, x -> new AtomicLong());
            Random rnd = new Random(f.hashCode());
            return new InputStream() {
                @Override
                public int read() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    long left = fileSize - n.get();
                    if (left <= 0) {
                        return -1;
                    }
                    int r = (int) Math.min(len, Math.min(left, 1 << 20));
                    byte[] x = new byte[r];
                    rnd.nextBytes(x);
                    System.arraycopy(x, 0, b, off, r);
                    n.addAndGet(r);
                    return r;
                }
            };
        };
        List<ContentReader.Wanted> plan = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            plan.add(new ContentReader.Wanted("sha256:" + i, jimfs.getPath("/f" + i), HashAlgorithm.SHA256));
        }
        try (Repository r = repo("first"); ContentReader reader = new ContentReader(r, plan.iterator(), 2, endless)) {
            ContentReader.Reading first = reader.next("sha256:0", h -> true);
            // Nobody takes anything yet: both readers fill their queues and wait.
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!readersWaiting(2) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertTrue(readersWaiting(2), "both readers wait for the push");
            long bound = (ContentReader.QUEUED + 2) * (long) Chunker.MAX + 2L * Chunker.MAX;
            for (Map.Entry<Path, AtomicLong> e : read.entrySet()) {
                assertTrue(e.getValue().get() <= bound, e.getKey() + " read " + e.getValue().get() + " bytes ahead, more than " + bound);
            }
            assertEquals(2, opened.get(), "two files in flight: the one taken and the next");
            long chunks = 0;
            ContentReader.Item item;
            while ((item = first.take()) instanceof ContentReader.Chunk c) {
                chunks++;
                assertEquals(Hex.of(r.crypto().chunkId(c.data(), 0, c.data().length)), c.id());
            }
            assertEquals(fileSize, assertInstanceOf(ContentReader.Done.class, item).size());
            assertTrue(chunks >= fileSize / Chunker.MAX);
            assertTrue(reader.next("sha256:1", h -> true) != null);
            deadline = System.nanoTime() + 30_000_000_000L;
            while (opened.get() < 3 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(3, opened.get(), "taking a file lets the next one start");
        }
    }

    private static boolean readersWaiting(int n) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("keepwatch-read-") && t.getState() == Thread.State.WAITING)
                .filter(t -> java.util.Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals("put")))
                .count() >= n;
    }

    @Test
    void aFileThatFailsToReadIsNamedAndNoSnapshotIsWritten() throws Exception {
        String bad = "f12.bin";
        ContentReader.Opener failing = f -> {
            InputStream in = ContentReader.FILES.open(f);
            if (!f.getFileName().toString().equals(bad)) {
                return in;
            }
            return new FilterInputStream(in) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    throw new IOException("Input/output error");
                }
            };
        };
        try (Repository r = repo("first")) {
            IOException e = assertThrows(IOException.class, () -> pusher(r, 3, failing).push(state(), Map.of()));
            assertTrue(e.getMessage().contains("src/d0/" + bad) && e.getMessage().contains("Input/output error"), e.getMessage());
        }
        try (Repository r = repo("first")) {
            assertTrue(Snapshot.all(r).isEmpty(), "no snapshot");
            Pusher.Result res = pusher(r, 3, ContentReader.FILES).push(state(), Map.of());
            assertTrue(res.problems().isEmpty() && res.snapshot().isPresent());
            assertTrue(new Checker(r).check(1).clean());
        }
    }

    @Test
    void aBackupFileThatDoesNotMatchTheStateIsLeftOutAndReported() throws Exception {
        Path file = backup.resolve("src/d2/f2.bin");
        assertTrue(Files.isRegularFile(file), "the backup holds " + file);
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 1;
        Files.write(file, b);
        try (Repository r = repo("first")) {
            Pusher.Result res = pusher(r, 3, JITTERY).push(state(), Map.of());
            assertEquals(1, res.problems().size(), res.problems().toString());
            assertTrue(res.problems().get(0).contains("is corrupt") && res.problems().get(0).contains("d2/f2.bin"), res.problems().toString());
            assertEquals(1, res.snapshot().orElseThrow().problems());
        }
    }
}
