package io.keepwatch.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.RecordingListener;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class QueuedListenerTest {
    private static final Instant T = Instant.parse("2026-03-01T10:00:00Z");

    private static EngineEvent held(int n) {
        return new EngineEvent.DeletionsHeld(T, "src", n);
    }

    @Test
    void theListenerRunsOnItsOwnThreadInOrderAndOnlyForTheEventsItWants() {
        RecordingListener target = new RecordingListener();
        QueuedListener q = QueuedListener.start("test listener", target, e -> e instanceof EngineEvent.DeletionsHeld, 100);
        q.on(new EngineEvent.FileBackedUp(T, "src", "a", 1));
        for (int i = 1; i <= 5; i++) {
            q.on(held(i));
        }
        q.close(Duration.ofSeconds(10));
        assertEquals(List.of(held(1), held(2), held(3), held(4), held(5)), target.events());
    }

    @Test
    void aStuckListenerNeverBlocksTheCallerItsEventsAreDroppedWithOneWarning() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch first = new CountDownLatch(1);
        RecordingListener after = new RecordingListener();
        QueuedListener q = QueuedListener.start("stuck listener", e -> {
            first.countDown();
            try {
                release.await();
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
            after.on(e);
        }, e -> true, 3);
        try (LogCapture log = new LogCapture()) {
            q.on(held(0));
            assertTrue(first.await(10, TimeUnit.SECONDS)); // the thread holds event 0; the queue has room for 3
            for (int i = 1; i <= 100; i++) {
                q.on(held(i)); // returns at once even though the listener is stuck
            }
            assertEquals(97, q.dropped());
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN The stuck listener cannot keep up")).count());
            release.countDown();
            q.close(Duration.ofSeconds(10));
        }
        assertEquals(List.of(held(0), held(1), held(2), held(3)), after.events());
    }

    @Test
    void aListenerThatThrowsIsLoggedOnceAndKeepsGettingEvents() {
        RecordingListener ok = new RecordingListener();
        int[] calls = {0};
        EngineListener broken = e -> {
            calls[0]++;
            throw new IllegalStateException("broken");
        };
        try (LogCapture log = new LogCapture()) {
            EngineListener all = Listeners.of(broken, ok);
            for (int i = 0; i < 3; i++) {
                all.on(held(i));
            }
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN An event listener")).count());
        }
        assertEquals(3, calls[0]);
        assertEquals(3, ok.events().size());
    }

    @Test
    void failuresAreTypedFromTheirException() {
        assertEquals(FailureReason.PERMISSION, FailureReason.of(new java.nio.file.AccessDeniedException("/x"), FailureReason.OTHER));
        assertEquals(FailureReason.VANISHED, FailureReason.of(new java.nio.file.NoSuchFileException("/x"), FailureReason.OTHER));
        assertEquals(FailureReason.CHANGING, FailureReason.of(new io.keepwatch.hash.FileChangedException("/x", "changed"), FailureReason.OTHER));
        assertEquals(FailureReason.NO_SPACE, FailureReason.of(new java.io.IOException("No space left on device"), FailureReason.OTHER));
        assertEquals(FailureReason.NO_SPACE, FailureReason.of(new java.nio.file.FileSystemException("/x", null, "No space left on device"),
                FailureReason.OTHER));
        assertEquals(FailureReason.UNREADABLE, FailureReason.of(new java.io.IOException("Input/output error"), FailureReason.UNREADABLE));
    }
}
