package io.keepwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.config.WatchConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.SourceState;
import io.keepwatch.scan.Availability;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.RecordingListener;
import io.keepwatch.watch.ChangeQueue;
import io.keepwatch.watch.SourcePath;
import io.keepwatch.watch.WatchHandle;
import io.keepwatch.watch.Watchers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One source's watch through its life, on a real temp folder, with the operating system's watches and the
 * engine's probe stood in for: registered, refused at the watch limit, missing and back, its root replaced. What
 * is checked is what a user sees: the log lines, the state on the status board, the events, and which watches
 * are open.
 */
class SourceWatchesTest {
    @TempDir
    Path tmp;

    private Path src;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private final Timing timing = Timing.of(WatchConfig.defaults());
    private final RecordingListener heard = new RecordingListener();
    private final ChangeQueue queue = new ChangeQueue(100);
    /** Every watch started, in order; a closed one says so. */
    private final List<FakeWatch> started = new ArrayList<>();
    private final List<String> reconciled = new ArrayList<>();
    private final List<String> forgotten = new ArrayList<>();
    /** What the next {@link Watchers#start} throws; empty: it starts a watch. */
    private Optional<IOException> refuse = Optional.empty();
    private StatusBoard board;
    private SourceWatches watches;
    private LogCapture log;

    private final class FakeWatch implements WatchHandle {
        final ChangeQueue deliversTo;
        boolean closed;

        FakeWatch(ChangeQueue deliversTo) {
            this.deliversTo = deliversTo;
        }

        @Override
        public int folders() {
            return 3;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @BeforeEach
    void setUp() {
        src = tmp.resolve("src");
        SourceConfig source = new SourceConfig("src", src);
        Watchers watchers = (s, q) -> {
            if (refuse.isPresent()) {
                throw refuse.get();
            }
            FakeWatch w = new FakeWatch(q);
            started.add(w);
            return w;
        };
        board = new StatusBoard(clock, List.of(source), queue::depth, new ServiceStatus.ConfigInUse("config.json", Optional.empty()));
        watches = new SourceWatches(List.of(source), watchers, Optional.empty(), queue, board, heard, clock, timing,
                new SourceWatches.Host() {
                    @Override
                    public Availability probe(String name) {
                        return Files.isDirectory(src) ? new Availability.Available("", "")
                                : new Availability.Unavailable("folder '" + src + "' does not exist");
                    }

                    @Override
                    public void forgetPaths(String name) {
                        forgotten.add(name);
                    }

                    @Override
                    public void reconcile(SourceWatches.Run r) {
                        reconciled.add(r.name());
                    }

                    @Override
                    public boolean stopping() {
                        return false;
                    }
                });
        log = new LogCapture();
    }

    @AfterEach
    void tearDown() {
        log.close();
    }

    private void start() throws Exception {
        watches.registerAll();
        for (SourceWatches.Run r : watches.runs()) {
            watches.settled(r);
        }
        watches.announce();
    }

    private SourceWatches.Run run() {
        return watches.run("src");
    }

    private List<SourceState> statesHeard() {
        return heard.of(EngineEvent.SourceStateChanged.class).stream().map(EngineEvent.SourceStateChanged::to).toList();
    }

    private void poll() {
        watches.poll(r -> { });
    }

    @Test
    void aSourceThatIsThereIsWatchedAndItsWatchDeliversToTheServicesQueue() throws Exception {
        Files.createDirectories(src);
        start();
        assertEquals(SourceState.OK, run().state);
        assertEquals(SourceState.OK, board.snapshot().sources().get(0).state());
        assertEquals(3, board.snapshot().sources().get(0).foldersWatched());
        assertTrue(log.has("INFO WATCH start: src (3 folders)"), log.lines().toString());
        assertEquals(List.of(SourceState.OK), statesHeard());
        assertEquals(1, started.size());
        // What the watch sees goes where the service's loop reads.
        assertTrue(started.get(0).deliversTo.offer(new SourcePath("src", "a.txt")));
        assertEquals(List.of(new SourcePath("src", "a.txt")), queue.await(Duration.ZERO).paths());

        watches.closeAll();
        assertTrue(started.get(0).closed);
    }

    @Test
    void theWatchLimitMeansAFullPassEveryLimitRescanAndOneErrorThatSaysWhatToDo() throws Exception {
        Files.createDirectories(src);
        refuse = Optional.of(new IOException("User limit of inotify watches reached"));
        start();
        assertEquals(SourceState.POLLING, run().state);
        assertEquals(Optional.of(clock.instant().plus(timing.limitRescan())), run().passDue);
        List<String> errors = log.lines().stream().filter(l -> l.startsWith("ERROR ")).toList();
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).startsWith("ERROR Cannot watch every folder of src (" + src + "): User limit of inotify watches reached; "),
                errors.get(0));
        assertTrue(errors.get(0).contains("sysctl fs.inotify.max_user_watches=524288"), errors.get(0));
        assertTrue(log.has("INFO WATCH polling: src (a full pass every " + timing.limitRescan().toSeconds()
                + " s; see the ERROR above)"), log.lines().toString());
        assertEquals(Optional.of("OS watch limit reached (fs.inotify.max_user_watches)"), board.snapshot().sources().get(0).reason());
        assertEquals(List.of(SourceState.POLLING), statesHeard());
    }

    @Test
    void aMissingSourceIsUnavailableWithOneErrorAndIsWatchedAndReconciledWhenItIsBack() throws Exception {
        start();
        assertEquals(SourceState.UNAVAILABLE, run().state);
        String unavailable = "ERROR Source src is UNAVAILABLE: folder '" + src + "' does not exist. Nothing of it is treated "
                + "as deleted; watching resumes when it is back.";
        assertTrue(log.has(unavailable), log.lines().toString());
        assertEquals(List.of(), started);

        poll();
        poll();
        assertEquals(1, log.lines().stream().filter(l -> l.startsWith("ERROR ")).count(), "the ERROR comes once");
        assertEquals(List.of(), started);

        Files.createDirectories(src);
        poll();
        assertTrue(log.has("INFO Source src is back at " + src), log.lines().toString());
        assertEquals(SourceState.OK, run().state);
        assertEquals(1, started.size());
        assertEquals(List.of("src"), reconciled, "watched again, then reconciled by a full pass");
        assertTrue(log.has("INFO WATCH start: src (3 folders)"));
        assertEquals(List.of(SourceState.UNAVAILABLE, SourceState.OK), statesHeard());
    }

    @Test
    void aWatchedRootThatIsReplacedIsLostWatchedAgainAndReconciled() throws Exception {
        Files.createDirectories(src);
        start();
        FakeWatch first = started.get(0);
        assertFalse(watches.rootReplaced(run()));
        // Moved away and made anew: another folder (inode) at the same path.
        Files.move(src, tmp.resolve("moved"));
        Files.createDirectories(src);
        assertTrue(watches.rootReplaced(run()));

        poll();
        assertTrue(log.has("WARN WATCH lost: src (folder '" + src + "' was removed or replaced); watching it again"),
                log.lines().toString());
        assertTrue(first.closed);
        assertEquals(2, started.size());
        assertFalse(started.get(1).closed);
        assertEquals(List.of("src"), forgotten, "its waiting paths are dropped: the full pass takes them");
        assertEquals(List.of("src"), reconciled);
        assertEquals(SourceState.OK, run().state);
        assertFalse(watches.rootReplaced(run()));
    }

    @Test
    void aWatchThatEndsOnASourceThatIsGoneMakesItUnavailableAndClosesTheWatch() throws Exception {
        Files.createDirectories(src);
        start();
        Files.delete(src);
        watches.lost(run(), "the watch ended");
        assertTrue(started.get(0).closed);
        assertEquals(SourceState.UNAVAILABLE, run().state);
        assertTrue(log.has("ERROR Source src is UNAVAILABLE: the watch ended; folder '" + src + "' does not exist. Nothing of "
                + "it is treated as deleted; watching resumes when it is back."), log.lines().toString());
        assertEquals(List.of(), reconciled);
        assertEquals(List.of(SourceState.OK, SourceState.UNAVAILABLE), statesHeard());
    }
}
