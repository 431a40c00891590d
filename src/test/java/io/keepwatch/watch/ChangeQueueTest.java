package io.keepwatch.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeQueueTest {
    @Test
    void aFullQueueNeverBlocksAndTurnsIntoARescanOfThatSource() throws Exception {
        ChangeQueue q = new ChangeQueue(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(q.offer(new SourcePath("docs", "f" + i)));
        }
        assertFalse(q.offer(new SourcePath("docs", "f3")));
        assertFalse(q.offer(new SourcePath("docs", "f4")));
        assertEquals(3, q.depth());

        ChangeQueue.Drained d = q.await(Duration.ZERO);
        assertEquals(List.of("f0", "f1", "f2"), d.paths().stream().map(SourcePath::rel).toList());
        assertEquals(1, d.signals().size());
        assertEquals(new SourcePath("docs", "x").source(), d.signals().get(0).source());
        assertEquals(SourceSignal.Kind.RESCAN, d.signals().get(0).kind());
        assertTrue(d.signals().get(0).reason().contains("queue full"), d.signals().get(0).reason());
        assertTrue(q.await(Duration.ZERO).isEmpty());
    }

    @Test
    void signalsOfDifferentKindsAndSourcesAreKeptApart() throws Exception {
        ChangeQueue q = new ChangeQueue(1);
        q.offer(new SourcePath("docs", "a"));
        q.signal(new SourceSignal("docs", SourceSignal.Kind.LOST, "gone"));
        q.signal(new SourceSignal("docs", SourceSignal.Kind.LOST, "gone again"));
        q.signal(new SourceSignal("photos", SourceSignal.Kind.LIMIT, "limit"));
        ChangeQueue.Drained d = q.await(Duration.ofSeconds(5));
        assertEquals(1, d.paths().size());
        assertEquals(List.of("docs:LOST:gone", "photos:LIMIT:limit"),
                d.signals().stream().map(s -> s.source() + ":" + s.kind() + ":" + s.reason()).toList());
    }

    @Test
    void wakeUpEndsAWait() throws Exception {
        ChangeQueue q = new ChangeQueue(4);
        Thread t = new Thread(q::wakeUp);
        t.start();
        assertTrue(q.await(Duration.ofMinutes(5)).isEmpty());
        t.join();
    }

    @Test
    void theInotifyLimitIsRecognisedThroughCauses() {
        Exception e = new RuntimeException(new java.io.IOException("User limit of inotify watches reached"));
        assertTrue(WatchLimit.isLimit(e));
        assertFalse(WatchLimit.isLimit(new java.io.IOException("No space left on device")));
        assertTrue(WatchLimit.advice().contains("sysctl fs.inotify.max_user_watches=524288"));
        assertTrue(WatchLimit.advice().contains("/etc/sysctl.d/"));
    }
}
