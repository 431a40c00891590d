package io.keepwatch.schedule;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.replicate.Replicator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's replicator and its scheduled push into the same repository take turns: a scheduled push that comes
 * while the replicator pushes is SKIPPED (recorded, not told as a failure); a replicator push that comes while the
 * scheduled one runs waits for it instead of failing on the repository's lock.
 */
class PushTurnTest {
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

    /** A repository push that waits for the test to let it end. */
    static final class SlowTarget implements Replicator.Target {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger pushes = new AtomicInteger();
        volatile CountDownLatch release = new CountDownLatch(1);
        volatile String tag = "s1";

        @Override
        public Optional<String> stateOnDisk() {
            return Optional.of(tag);
        }

        @Override
        public Replicator.Pushed push(boolean quietRetries) throws Exception {
            started.incrementAndGet();
            assertTrue(release.await(20, TimeUnit.SECONDS));
            return new Replicator.Pushed("snap" + pushes.incrementAndGet(), true, 10, List.of());
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

    @Test
    void aScheduledPushWhileTheReplicatorPushesIsSkippedAndTheReplicatorWaitsForAScheduledOne() throws Exception {
        PushTurn turn = new PushTurn();
        SlowTarget target = new SlowTarget();
        replicator = Replicator.start(turn.replicator(target), Clock.systemUTC(), Duration.ofMillis(200),
                tmp.resolve(ReplicationStatus.FILE), line -> { });
        AtomicInteger scheduledRuns = new AtomicInteger();
        Scheduler.Task push = turn.scheduled(() -> {
            scheduledRuns.incrementAndGet();
            return new Scheduler.Result(Outcome.OK, "snapshot 1a2b3c4d saved", List.of());
        });

        // The replicator is pushing: the scheduled push is skipped, and does not run.
        replicator.on(pass());
        await().atMost(DEADLINE).until(() -> target.started.get() == 1);
        Scheduler.Result skipped = push.run();
        assertEquals(Outcome.SKIPPED, skipped.outcome());
        assertEquals("the replicator is pushing into the repository now: this push is left to it", skipped.summary());
        assertEquals(0, scheduledRuns.get());
        target.release.countDown();
        await().atMost(DEADLINE).until(() -> replicator.status().state().equals("in sync"));

        // The replicator is not pushing: the scheduled push runs.
        assertEquals(Outcome.OK, push.run().outcome());
        assertEquals(1, scheduledRuns.get());
    }

    @Test
    void theReplicatorWaitsForTheScheduledPushInsteadOfFailing() throws Exception {
        PushTurn turn = new PushTurn();
        SlowTarget target = new SlowTarget();
        target.release.countDown(); // its pushes end at once
        List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        replicator = Replicator.start(turn.replicator(target), Clock.systemUTC(), Duration.ofMillis(200),
                tmp.resolve(ReplicationStatus.FILE), problems::add);
        CountDownLatch scheduledRunning = new CountDownLatch(1);
        CountDownLatch scheduledRelease = new CountDownLatch(1);
        Scheduler.Task push = turn.scheduled(() -> {
            scheduledRunning.countDown();
            assertTrue(scheduledRelease.await(20, TimeUnit.SECONDS));
            return new Scheduler.Result(Outcome.OK, "snapshot 1a2b3c4d saved", List.of());
        });
        Thread scheduled = new Thread(() -> {
            try {
                push.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        scheduled.start();
        assertTrue(scheduledRunning.await(20, TimeUnit.SECONDS));
        replicator.on(pass()); // the replicator wants to push now: it waits for its turn
        await().atMost(DEADLINE).until(() -> replicator.status().state().equals("pushing"));
        assertEquals(0, target.started.get(), "no second push into the repository while the scheduled one runs");
        scheduledRelease.countDown();
        scheduled.join();
        await().atMost(DEADLINE).until(() -> target.pushes.get() == 1 && replicator.status().state().equals("in sync"));
        assertEquals(List.of(), problems, "the replicator did not fail");
    }
}
