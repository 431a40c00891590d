package io.keepwatch.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Trigger;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.watch.ChangeQueue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's time driven by the test through its {@link Ticker}: the loop's waits move a test clock on instead of
 * passing, so an hour of the service's time passes in moments. The watches are cut off from the service here (their
 * events go to a queue nobody reads), so only the periodic full pass can find a new file.
 */
class DrivenTimeTest {
    private static final Instant START = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void theHourlyRescanFindsWhatTheWatchesMissedWithoutAnHourPassing() throws Exception {
        MutableClock clock = new MutableClock(START);
        // Each wait of the loop: the clock jumps to the wake-up it asked for; the real wait is only a moment.
        Ticker jump = (queue, timeout) -> {
            clock.advance(timeout);
            return queue.await(Duration.ofMillis(5));
        };
        try (Harness h = Harness.start(tmp, "./backup", "", w -> (source, queue) -> w.start(source, new ChangeQueue(100)),
                t -> new Timing(t.debounce(), t.maxDelay(), t.stateFlush(), Duration.ofMinutes(60), t.queueCapacity(),
                        Duration.ofMinutes(10), t.heartbeat(), t.limitRescan(), t.indexIdle()),
                clock, jump, "a.txt", "A")) {
            Harness.write(h.src, "b.txt", "B");

            await().atMost(Harness.DEADLINE).until(() -> Files.exists(h.copy("b.txt")));

            assertEquals("B", Harness.read(h.copy("b.txt")));
            List<EngineEvent.PassStarted> passes = h.heard.of(EngineEvent.PassStarted.class);
            assertEquals(Trigger.STARTUP, passes.get(0).trigger());
            EngineEvent.PassStarted rescan = passes.stream().filter(p -> p.trigger() == Trigger.FULL_PASS).findFirst()
                    .orElseThrow();
            assertFalse(rescan.at().isBefore(START.plus(Duration.ofMinutes(60))), "the rescan ran at " + rescan.at());
            assertTrue(h.heard.of(EngineEvent.PassStarted.class).stream().noneMatch(p -> p.trigger() == Trigger.BATCH),
                    "no batch: the watches' events never reached the service");
        }
    }
}
