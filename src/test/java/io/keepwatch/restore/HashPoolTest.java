package io.keepwatch.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.engine.Progress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** verify's work queue (large files first, then in the order queued) and its progress that starts before its total is known. */
class HashPoolTest {
    @Test
    void queuedWorkRunsHighestPriorityFirstThenInTheOrderQueued() throws Exception {
        List<String> ran = new ArrayList<>();
        CountDownLatch release = new CountDownLatch(1);
        try (HashPool<String> pool = new HashPool<>(1, "test-hash")) {
            // The one thread is held by the first job, so every later one waits in the queue.
            Future<String> first = pool.submit(() -> {
                assertTrue(release.await(30, TimeUnit.SECONDS));
                return "first";
            }, 0);
            List<Future<String>> later = new ArrayList<>();
            String[][] jobs = {{"small a", "0"}, {"big 5", "5"}, {"small b", "0"}, {"big 9", "9"}, {"small c", "0"}, {"big 7", "7"}};
            for (String[] j : jobs) {
                later.add(pool.submit(() -> {
                    synchronized (ran) {
                        ran.add(j[0]);
                    }
                    return j[0];
                }, Long.parseLong(j[1])));
            }
            release.countDown();
            assertEquals("first", first.get(30, TimeUnit.SECONDS));
            for (Future<String> f : later) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
        assertEquals(List.of("big 9", "big 7", "big 5", "small a", "small b", "small c"), ran);
    }

    @Test
    void aFailingJobFailsItsOwnFutureOnly() throws Exception {
        try (HashPool<String> pool = new HashPool<>(2, "test-hash")) {
            Future<String> bad = pool.submit(() -> {
                throw new IllegalStateException("boom");
            }, 0);
            Future<String> good = pool.submit(() -> "fine", 0);
            ExecutionException e = assertThrows(ExecutionException.class, () -> bad.get(30, TimeUnit.SECONDS));
            assertEquals("boom", e.getCause().getMessage());
            assertEquals("fine", good.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void progressMadeBeforeTheTotalIsKnownIsReportedOnceItIs() {
        List<String> seen = new ArrayList<>();
        LateProgress late = new LateProgress(new Progress() {
            @Override
            public void begin(String phase, long total) {
                seen.add("begin " + phase + " " + total);
            }

            @Override
            public void advance(long units) {
                seen.add("advance " + units);
            }

            @Override
            public void end() {
                seen.add("end");
            }
        });
        late.advance(3);
        late.advance(4);
        assertEquals(List.of(), seen);
        late.begin("verifying", 10);
        late.advance(3);
        late.end();
        assertEquals(List.of("begin verifying 10", "advance 7", "advance 3", "end"), seen);
    }
}
