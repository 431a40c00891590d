package io.keepwatch.repo;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.airlift.compress.zstd.ZstdCompressor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SealingTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 4})
    void resultsComeBackInSubmitOrderWhateverTheThreadsFinishFirst(int threads) throws Exception {
        Random r = new Random(7);
        try (Sealing s = new Sealing((type, id, data) -> {
            sleepQuietly(r.nextInt(3)); // workers finish out of order
            return (id + ":" + data.length).getBytes(StandardCharsets.UTF_8);
        }, threads)) {
            List<Sealing.Sealed> got = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                s.submit(Pack.DATA, "b" + i, new byte[i]);
                got.addAll(s.completedHeads());
            }
            got.addAll(s.drain());
            assertFalse(s.busy());
            assertEquals(50, got.size());
            for (int i = 0; i < 50; i++) {
                assertEquals("b" + i, got.get(i).id());
                assertEquals(i, got.get(i).rawLength());
                assertArrayEquals(("b" + i + ":" + i).getBytes(StandardCharsets.UTF_8), got.get(i).sealed());
            }
        }
    }

    @Test
    void atMostTwoBlobsPerThreadAreInFlight() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Sealing s = new Sealing((type, id, data) -> {
            awaitQuietly(release);
            return data;
        }, 2)) {
            for (int i = 0; i < 4; i++) {
                s.submit(Pack.DATA, "b" + i, new byte[1]);
                assertTrue(s.completedHeads().isEmpty(), "nothing is done while the workers are held");
            }
            s.submit(Pack.DATA, "b4", new byte[1]);
            // a fifth blob in flight with two threads: the caller waits for the oldest instead of queueing more
            AtomicReference<List<Sealing.Sealed>> heads = new AtomicReference<>();
            Thread caller = new Thread(() -> {
                try {
                    heads.set(s.completedHeads());
                } catch (java.io.InterruptedIOException e) {
                    Thread.currentThread().interrupt();
                }
            });
            caller.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> caller.getState() == Thread.State.WAITING);
            assertNull(heads.get(), "completedHeads waits while the oldest blob is held");
            release.countDown();
            caller.join(20_000);
            assertEquals("b0", heads.get().get(0).id());
        }
    }

    @Test
    void aFailureOfTheSealerReachesTheCaller() {
        try (Sealing s = new Sealing((type, id, data) -> {
            throw new IllegalStateException("AES-256-GCM failed");
        }, 2)) {
            s.submit(Pack.DATA, "b0", new byte[1]);
            IllegalStateException e = assertThrows(IllegalStateException.class, s::drain);
            assertEquals("AES-256-GCM failed", e.getMessage());
        }
    }

    @Test
    void aLargeChunkThatDoesNotCompressIsStoredAsItIsAndOneThatDoesIsCompressed() {
        byte[] random = new byte[1024 * 1024];
        new Random(1).nextBytes(random);
        assertNull(Zstd.compress(random, 0, random.length), "random bytes are not worth compressing");
        assertFalse(Zstd.worthIt(new ZstdCompressor(), random, 0, Zstd.PROBE));

        byte[] text = "keepwatch keeps every version of every file. ".repeat(30_000).getBytes(StandardCharsets.UTF_8);
        byte[] zipped = Zstd.compress(text, 0, text.length);
        assertTrue(zipped != null && zipped.length < text.length / 10, "text compresses");
        assertTrue(Zstd.worthIt(new ZstdCompressor(), text, 0, Zstd.PROBE));
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms); // the injected slowness of a worker, not synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitQuietly(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
