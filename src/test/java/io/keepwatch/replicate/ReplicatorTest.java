package io.keepwatch.replicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
import io.keepwatch.repo.RepoException;
import io.keepwatch.repo.StoreUnavailableException;
import io.keepwatch.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicator against a stand-in target: it pushes after a pass when state.json changed, not when it did not;
 * passes within the interval are coalesced; a failing target is reported (log, problems, status file) and retried
 * until it works again, while the listener side stays instant.
 */
class ReplicatorTest {
    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    private Replicator replicator;

    @AfterEach
    void tearDown() {
        if (replicator != null) {
            replicator.close();
        }
    }

    /** A target whose state.json tag and failures the test sets. */
    static final class Fake implements Replicator.Target {
        final AtomicReference<String> tag = new AtomicReference<>("s1");
        final AtomicInteger pushes = new AtomicInteger();
        final AtomicReference<String> failWith = new AtomicReference<>();
        final List<String> pushedTags = new CopyOnWriteArrayList<>();
        final AtomicBoolean down = new AtomicBoolean();
        final List<Boolean> quiet = new CopyOnWriteArrayList<>();

        @Override
        public Optional<String> stateOnDisk() {
            return Optional.of(tag.get());
        }

        @Override
        public Replicator.Pushed push(boolean quietRetries) throws Exception {
            quiet.add(quietRetries);
            if (down.get()) {
                // as the repository code passes it on: wrapped
                throw new RepoException("cannot open the repository", new StoreUnavailableException(
                        "s3:http://minio.lan:9000/backups: GET config failed: ConnectException: Connection refused (gave up after 9 attempts in 60 s)"));
            }
            String f = failWith.get();
            if (f != null) {
                throw new IOException(f);
            }
            pushedTags.add(tag.get());
            int n = pushes.incrementAndGet();
            return new Replicator.Pushed("snap" + n, true, 100 * n, List.of());
        }

        @Override
        public String describe() {
            return "/mnt/usb/repo";
        }
    }

    private static EngineEvent.PassFinished pass() {
        Instant now = Instant.now();
        return new EngineEvent.PassFinished(now, Trigger.BATCH, List.of("src"), now, Counts.ZERO, List.of(), Outcome.OK, Optional.empty());
    }

    private ReplicationStatus status() throws IOException {
        return ReplicationStatus.read(tmp.resolve(ReplicationStatus.FILE));
    }

    @Test
    void pushesAfterAPassWhenTheStateChangedAndCoalescesWithinTheInterval() throws Exception {
        Fake target = new Fake();
        List<String> problems = new CopyOnWriteArrayList<>();
        replicator = Replicator.start(target, Clock.systemUTC(), Duration.ofMillis(300), tmp.resolve(ReplicationStatus.FILE), problems::add);
        replicator.on(new EngineEvent.FileBackedUp(Instant.now(), "src", "a.txt", 1234));
        assertEquals(0, target.pushes.get(), "nothing before the first pass ends");
        replicator.on(pass());
        await().atMost(DEADLINE).until(() -> target.pushes.get() == 1);
        await().atMost(DEADLINE).until(() -> status().state().equals("in sync"));
        assertEquals("snap1", status().lastSnapshot());
        assertEquals(0, status().pendingChanges());

        // the same state.json again: no push, however many passes
        for (int i = 0; i < 5; i++) {
            replicator.on(pass());
        }
        // a changed state.json during a burst of passes: one push covers them
        replicator.on(new EngineEvent.FileUpdated(Instant.now(), "src", "a.txt", 4000));
        target.tag.set("s2");
        for (int i = 0; i < 20; i++) {
            replicator.on(pass());
        }
        await().atMost(DEADLINE).until(() -> target.pushes.get() == 2);
        assertEquals(List.of("s1", "s2"), target.pushedTags);
        // a state.json saved after the pass ended is found at the next interval without any event
        target.tag.set("s3");
        await().atMost(DEADLINE).until(() -> target.pushes.get() == 3);
        assertEquals(List.of("s1", "s2", "s3"), target.pushedTags);
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void withNothingNewToPushTheLagStaysWithinAnIntervalAndPendingChangesStopIt() throws Exception {
        Fake target = new Fake();
        replicator = Replicator.start(target, Clock.systemUTC(), Duration.ofMillis(200), tmp.resolve(ReplicationStatus.FILE), p -> { });
        replicator.on(pass());
        await().atMost(DEADLINE).until(() -> status().state().equals("in sync"));
        Instant first = status().inSyncAt();
        // a quiet time: each look finds nothing new, so the repository is in sync as of that look (a weekend
        // without changes is no lag)
        await().atMost(DEADLINE).until(() -> status().inSyncAt().isAfter(first));
        assertEquals(1, target.pushes.get());

        // a change counted but not yet in state.json: the repository is behind from now on
        replicator.on(new EngineEvent.FileBackedUp(Instant.now(), "src", "b.txt", 10));
        Instant held = status().inSyncAt();
        Instant seen = status().updatedAt();
        await().atMost(DEADLINE).until(() -> status().updatedAt().isAfter(seen.plusMillis(500)));
        assertEquals("pending", status().state());
        assertTrue(!status().inSyncAt().isAfter(held), "in_sync_at does not move while a change waits: " + status());
    }

    @Test
    void aFailingStoreIsReportedAndRetriedUntilItWorks() throws Exception {
        Fake target = new Fake();
        target.failWith.set("/mnt/usb/repo: No such file or directory (the disk is not mounted?)");
        List<String> problems = new CopyOnWriteArrayList<>();
        replicator = Replicator.start(target, Clock.systemUTC(), Duration.ofMillis(100), tmp.resolve(ReplicationStatus.FILE), problems::add);
        replicator.on(new EngineEvent.FileBackedUp(Instant.now(), "src", "a.txt", 1234));
        replicator.on(pass());
        await().atMost(DEADLINE).until(() -> problems.size() >= 2);
        assertTrue(problems.get(0).startsWith("Replication to /mnt/usb/repo failed: /mnt/usb/repo: No such file or directory"), problems.get(0));
        ReplicationStatus s = status();
        assertEquals("failing", s.state());
        assertTrue(s.failuresInARow() >= 2, s.toString());
        assertEquals(1, s.pendingChanges(), "what a failed push did not take stays pending");
        assertEquals(1234, s.pendingBytes());
        assertTrue(s.lag(Instant.now()).isEmpty());

        target.failWith.set(null);
        await().atMost(DEADLINE).until(() -> target.pushes.get() == 1);
        await().atMost(DEADLINE).until(() -> status().state().equals("in sync"));
        s = status();
        assertEquals(0, s.failuresInARow());
        assertEquals(0, s.pendingChanges());
        assertTrue(s.lastError().contains("No such file or directory"), "the last error stays visible: " + s);
    }

    @Test
    void anUnreachableStoreIsRemoteUnavailableWithOneWarningAndCatchesUpWhenItIsBack() throws Exception {
        Fake target = new Fake();
        target.down.set(true);
        List<String> problems = new CopyOnWriteArrayList<>();
        try (LogCapture logs = new LogCapture()) {
            replicator = Replicator.start(target, Clock.systemUTC(), Duration.ofMillis(100), tmp.resolve(ReplicationStatus.FILE), problems::add);
            replicator.on(new EngineEvent.FileBackedUp(Instant.now(), "src", "a.txt", 1234));
            replicator.on(pass());
            await().atMost(DEADLINE).until(() -> target.quiet.size() >= 4);
            ReplicationStatus s = status();
            assertEquals("remote unavailable", s.state());
            assertTrue(s.remoteUnavailable() && s.failing(), s.toString());
            assertTrue(s.unavailableSince() != null && !s.unavailableSince().isAfter(Instant.now()), s.toString());
            assertTrue(s.lastError().endsWith("GET config failed: ConnectException: Connection refused (gave up after 9 attempts in 60 s)"), s.toString());
            assertEquals(1, s.pendingChanges(), "what a failed push did not take stays pending");
            // one warning, one problem for the status, however many tries; the store's retries are quiet after the first try
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("Replication to /mnt/usb/repo: remote unavailable: s3:http://minio.lan:9000/backups: "),
                    problems.get(0));
            assertEquals(List.of(problems.get(0)), replicatorLines(logs, "WARN"));
            assertEquals(List.of(), replicatorLines(logs, "ERROR"));
            assertEquals(false, target.quiet.get(0));
            assertTrue(target.quiet.subList(1, target.quiet.size()).stream().allMatch(q -> q), target.quiet.toString());

            target.down.set(false);
            await().atMost(DEADLINE).until(() -> target.pushes.get() == 1);
            await().atMost(DEADLINE).until(() -> status().state().equals("in sync"));
            s = status();
            assertEquals(null, s.unavailableSince());
            assertEquals(0, s.failuresInARow());
            assertEquals(0, s.pendingChanges());
            List<String> back = replicatorLines(logs, "INFO").stream().filter(l -> l.contains("available again")).toList();
            assertEquals(1, back.size(), back.toString());
            assertTrue(back.get(0).startsWith("Replication to /mnt/usb/repo: the remote is available again (unavailable since "), back.get(0));
            assertEquals(1, replicatorLines(logs, "WARN").size());
        }
    }

    private static List<String> replicatorLines(LogCapture logs, String level) {
        return logs.lines().stream().filter(l -> l.startsWith(level + " Replicat")).map(l -> l.substring(level.length() + 1)).toList();
    }

    @Test
    void backoffDoublesFromTheIntervalUpToAnHourOrFiveMinutesWhileTheRemoteIsUnavailable() {
        Duration ten = Duration.ofSeconds(10);
        assertEquals(ten, Replicator.backoff(ten, 1, false));
        assertEquals(Duration.ofSeconds(40), Replicator.backoff(ten, 3, false));
        assertEquals(Duration.ofHours(1), Replicator.backoff(ten, 10, false));
        assertEquals(Duration.ofHours(1), Replicator.backoff(ten, 400, false));
        assertEquals(ten, Replicator.backoff(ten, 1, true));
        assertEquals(Duration.ofSeconds(160), Replicator.backoff(ten, 5, true));
        assertEquals(Duration.ofMinutes(5), Replicator.backoff(ten, 6, true));
        assertEquals(Duration.ofMinutes(5), Replicator.backoff(ten, 400, true));
        assertEquals(Duration.ofMinutes(10), Replicator.backoff(Duration.ofMinutes(10), 3, true), "never shorter than the interval");
        assertEquals("down", Replicator.unavailable(new RepoException("x", new StoreUnavailableException("down"))).orElseThrow().getMessage());
        assertTrue(Replicator.unavailable(new IOException("403 AccessDenied")).isEmpty());
    }
}
