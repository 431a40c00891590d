package io.keepwatch.watch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inotify backend over real temp folders, driven as the service drives it (Linux only). */
class InotifyWatcherTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;
    Path src;
    SourceConfig source;
    ChangeQueue queue = new ChangeQueue(10_000);
    /** Everything drained from the queue so far. */
    final Set<String> seen = new HashSet<>();
    final List<SourceSignal> signals = new ArrayList<>();
    final List<InotifyWatcher> started = new ArrayList<>();

    @BeforeEach
    void linuxOnly() {
        assumeTrue(Inotify.unavailable().isEmpty(), () -> "inotify through JNA: " + Inotify.unavailable().orElse(""));
        src = tmp.resolve("src");
        source = new SourceConfig("src", src, Set.of("backup"));
    }

    @AfterEach
    void closeAll() {
        started.forEach(InotifyWatcher::close);
    }

    private InotifyWatcher start(PrunedTreeVisitor visitor) throws IOException {
        InotifyWatcher w = InotifyWatcher.start(source, filter(), queue, visitor);
        started.add(w);
        return w;
    }

    private WatchFilter filter() {
        return new WatchFilter(source, src, ExcludeRules.compile(List.of("*.tmp", "skipped")));
    }

    private InotifyWatcher start() throws IOException {
        return start(new PrunedTreeVisitor(filter()));
    }

    /** Drains the queue until every one of {@code rels} was offered, or fails at the deadline. */
    private void awaitSeen(String... rels) throws InterruptedException {
        Set<String> want = Set.of(rels);
        Instant deadline = Instant.now().plus(DEADLINE);
        while (!seen.containsAll(want) && Instant.now().isBefore(deadline)) {
            drain(Duration.ofMillis(100));
        }
        assertTrue(seen.containsAll(want), "offered " + seen + ", wanted " + want);
    }

    private void drain(Duration wait) throws InterruptedException {
        ChangeQueue.Drained d = queue.await(wait);
        d.paths().forEach(p -> seen.add(p.rel()));
        signals.addAll(d.signals());
    }

    private SourceSignal awaitSignal(SourceSignal.Kind kind) throws InterruptedException {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (Instant.now().isBefore(deadline)) {
            for (SourceSignal s : signals) {
                if (s.kind() == kind) {
                    return s;
                }
            }
            drain(Duration.ofMillis(100));
        }
        throw new AssertionError("no " + kind + " signal; got " + signals);
    }

    @Test
    void everyFolderIsWatchedAndLeavesAreNotListed() throws Exception {
        Files.createDirectories(src.resolve("a/b/c"));
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("a/b/c/deep.txt"), "x");
        PrunedTreeVisitor visitor = new PrunedTreeVisitor(filter());
        InotifyWatcher w = start(visitor);
        assertEquals(5, w.folders());
        assertEquals(5, w.watchedNow());
        if (PrunedTreeVisitor.LINK_COUNT_FILE_SYSTEMS.contains(Files.getFileStore(src).type())) {
            assertEquals(2, visitor.lastWalkUnlisted(), "folders without subfolders watched, not listed");
        }
        Files.writeString(src.resolve("a/b/c/deep.txt"), "changed");
        Files.createDirectories(src.resolve("d/new/sub"));
        Files.writeString(src.resolve("d/new/inside.txt"), "new");
        Files.writeString(src.resolve("d/new/sub/deeper.txt"), "new");
        awaitSeen("a/b/c/deep.txt", "d/new", "d/new/inside.txt", "d/new/sub/deeper.txt");
    }

    @Test
    void aFolderMovedInIsWatchedAndListedAndOneMovedOutIsForgotten() throws Exception {
        Files.createDirectories(src.resolve("stay"));
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside.resolve("in/sub"));
        Files.writeString(outside.resolve("in/sub/f.txt"), "f");
        InotifyWatcher w = start();
        assertEquals(2, w.watchedNow());

        Files.move(outside.resolve("in"), src.resolve("in"));
        awaitSeen("in", "in/sub", "in/sub/f.txt");
        await().atMost(DEADLINE).until(() -> w.watchedNow() == 4);
        Files.writeString(src.resolve("in/sub/g.txt"), "g"); // the moved-in subfolder is watched
        awaitSeen("in/sub/g.txt");

        Files.move(src.resolve("in"), outside.resolve("away"));
        awaitSeen("in");
        await().atMost(DEADLINE).until(() -> w.watchedNow() == 2);
        // Its watches are removed: a change in it, then one in the source, and only the latter is offered.
        seen.clear();
        Files.writeString(outside.resolve("away/sub/later.txt"), "x");
        Files.writeString(src.resolve("stay/marker.txt"), "m");
        awaitSeen("stay/marker.txt");
        drain(Duration.ofMillis(50));
        assertFalse(seen.stream().anyMatch(r -> r.contains("later")), seen.toString());
    }

    @Test
    void aFolderRenamedInsideIsWatchedUnderItsNewName() throws Exception {
        Files.createDirectories(src.resolve("old/sub"));
        InotifyWatcher w = start();
        Files.move(src.resolve("old"), src.resolve("new"));
        awaitSeen("old", "new", "new/sub");
        await().atMost(DEADLINE).until(() -> w.watchedNow() == 3);
        Files.writeString(src.resolve("new/sub/f.txt"), "f");
        awaitSeen("new/sub/f.txt");
        assertFalse(seen.contains("old/sub/f.txt"), seen.toString());
    }

    @Test
    void aDeletedFolderDropsItsWatchAndAFileMoveIsOfferedAtBothEnds() throws Exception {
        Files.createDirectories(src.resolve("gone/sub"));
        Files.createDirectories(src.resolve("x"));
        Files.writeString(src.resolve("x/a.txt"), "a");
        InotifyWatcher w = start();
        assertEquals(4, w.watchedNow());
        Files.delete(src.resolve("gone/sub"));
        Files.delete(src.resolve("gone"));
        await().atMost(DEADLINE).until(() -> w.watchedNow() == 2);
        Files.move(src.resolve("x/a.txt"), src.resolve("b.txt"));
        awaitSeen("gone/sub", "gone", "x/a.txt", "b.txt");
    }

    @Test
    void excludedAndOwnFoldersAreNotWatchedAndTheirEventsAreDropped() throws Exception {
        Files.createDirectories(src.resolve("skipped/inner"));
        Files.createDirectories(src.resolve("backup/.keepwatch"));
        Files.createDirectories(src.resolve("kept"));
        InotifyWatcher w = start();
        assertEquals(2, w.watchedNow(), "the root and kept");
        Files.writeString(src.resolve("skipped/inner/x.txt"), "x");
        Files.writeString(src.resolve("backup/.keepwatch/state.json"), "{}");
        Files.writeString(src.resolve("kept/scratch.tmp"), "t");
        Files.createDirectories(src.resolve("kept/skipped"));
        Files.writeString(src.resolve("kept/skipped/y.txt"), "y");
        Files.writeString(src.resolve("kept/last.txt"), "l");
        awaitSeen("kept/last.txt");
        drain(Duration.ofMillis(50));
        assertEquals(Set.of("kept/last.txt"), seen);
        assertEquals(2, w.watchedNow());
    }

    @Test
    void theRootDeletedOrMovedIsLost() throws Exception {
        Files.createDirectories(src.resolve("a"));
        start();
        Files.move(src, tmp.resolve("moved"));
        assertTrue(awaitSignal(SourceSignal.Kind.LOST).reason().contains("moved"), signals.toString());

        signals.clear();
        Files.createDirectories(src);
        start();
        Files.delete(src);
        assertTrue(awaitSignal(SourceSignal.Kind.LOST).reason().contains("deleted"), signals.toString());
    }

    @Test
    void anOverflowIsARescan() throws Exception {
        Files.createDirectories(src);
        InotifyWatcher w = start();
        ByteBuffer overflow = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
        overflow.putInt(-1).putInt(Inotify.IN_Q_OVERFLOW).putInt(0).putInt(0).flip();
        assertTrue(w.decode(overflow));
        assertEquals("the OS dropped events (overflow)", awaitSignal(SourceSignal.Kind.RESCAN).reason());
    }

    @Test
    void theWatchLimitIsTheMessageWatchLimitKnows() {
        IOException e = Inotify.addWatchFailure(Inotify.ENOSPC, "/src/a");
        assertTrue(WatchLimit.isLimit(e));
        assertEquals(WatchLimit.LINUX_MESSAGE, e.getMessage());
        assertFalse(WatchLimit.isLimit(Inotify.addWatchFailure(Inotify.ENOENT, "/src/a")));
    }

    @Test
    void aMissingRootFailsToStart() {
        long before = inotifyDescriptors();
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, this::start);
        assertTrue(e instanceof java.nio.file.NoSuchFileException, e.toString());
        assertEquals(before, inotifyDescriptors(), "nothing left open");
    }

    @Test
    void closeReleasesTheDescriptorsAndTheThread() throws Exception {
        Files.createDirectories(src.resolve("a"));
        long before = inotifyDescriptors();
        InotifyWatcher w = start();
        assertEquals(before + 1, inotifyDescriptors());
        w.close();
        w.close(); // twice is harmless
        assertEquals(before, inotifyDescriptors());
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("keepwatch-inotify-src") && t.isAlive()));
        Files.writeString(src.resolve("a/after.txt"), "x");
        drain(Duration.ofMillis(100));
        assertTrue(seen.isEmpty() && signals.isEmpty(), "nothing after close: " + seen + signals);
    }

    @Test
    void registrationIsToldOfEachFolderAsItIsWatched() throws Exception {
        List<String> folders = new ArrayList<>(List.of("", "deep"));
        for (int i = 1; i <= 2 * Registration.WAKE_EVERY - 2; i++) {
            folders.add("deep/" + i);
        }
        for (String rel : folders) {
            Files.createDirectories(src.resolve(rel));
        }
        Registration registration = new Registration();
        CompletableFuture<Void> waits = CompletableFuture.runAsync(() -> {
            try {
                for (String rel : folders) {
                    registration.awaitListable(rel);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        InotifyWatcher w = start(new PrunedTreeVisitor(filter(), java.util.Optional.of(registration)));
        try {
            waits.get(DEADLINE.toSeconds(), TimeUnit.SECONDS); // before registering is finished
            assertEquals(2 * Registration.WAKE_EVERY, w.folders());
        } finally {
            registration.finished();
        }
    }

    /** inotify instances open in this JVM (the anonymous inodes /proc/self/fd links to). */
    private static long inotifyDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("anon_inode:inotify");
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
