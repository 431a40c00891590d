package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LocalStore's packs written in the background: stored whole once awaited, failures reported, memory bounded. */
class LocalStoreTest {
    private FileSystem jimfs;
    private Path root;
    private LocalStore store;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        root = jimfs.getPath("/repo");
        store = new LocalStore(root);
        store.create();
    }

    @AfterEach
    void tearDown() throws IOException {
        store.close();
        jimfs.close();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private List<Path> temps() throws IOException {
        if (!Files.isDirectory(root.resolve("tmp"))) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            return s.toList();
        }
    }

    @Test
    void packsPutInTheBackgroundAreStoredWholeOnceAwaited() throws IOException {
        for (int i = 0; i < 6; i++) {
            store.putNew("data/0" + i + "/pack" + i, bytes(3 << 20, i));
        }
        store.awaitPuts();
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(bytes(3 << 20, i), store.get("data/0" + i + "/pack" + i));
        }
        assertEquals(6, store.list("data/").size());
        assertEquals(List.of(), temps());
    }

    @Test
    void aPackGivenInPartsIsStoredAsThePartsOneAfterAnother() throws IOException {
        // Many small blobs (more than one gathering write takes), an empty part, parts across the 1 MiB slices, a large one.
        List<byte[]> parts = new java.util.ArrayList<>();
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 700; i++) {
            parts.add(bytes(1 + i * 37 % 3000, i));
        }
        parts.add(new byte[0]);
        parts.add(bytes((1 << 20) - 5, 701));
        parts.add(bytes(3 << 20, 702));
        parts.add(bytes(9, 703));
        for (byte[] p : parts) {
            whole.writeBytes(p);
        }
        store.putNew("data/ab/pack", parts);
        store.awaitPuts();
        assertArrayEquals(whole.toByteArray(), store.get("data/ab/pack"));
        assertEquals(List.of(), temps());
    }

    @Test
    void aFailedWriteIsThrownByAwaitPutsOnce() throws IOException {
        Files.write(root.resolve("data"), new byte[] {1}); // a file where the packs' folder should be
        store.putNew("data/ab/pack", bytes(1000, 1));
        IOException e = assertThrows(IOException.class, store::awaitPuts);
        assertTrue(e.getMessage().contains("data"), e.getMessage());
        store.awaitPuts(); // reported once; nothing else pending
        assertEquals(List.of(), temps());
    }

    @Test
    void aTakenNameIsAFailureAndKeepsTheObject() throws IOException {
        store.putNew("data/ab/pack", bytes(1000, 1));
        store.awaitPuts();
        store.putNew("data/ab/pack", bytes(1000, 2));
        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, store::awaitPuts);
        assertTrue(e.getMessage().contains("data/ab/pack"), e.getMessage());
        assertArrayEquals(bytes(1000, 1), store.get("data/ab/pack"));
    }

    @Test
    void closeLetsWritesInFlightFinish() throws IOException {
        store.putNew("data/ab/pack", bytes(5 << 20, 3));
        store.close();
        assertArrayEquals(bytes(5 << 20, 3), store.get("data/ab/pack"));
        assertEquals(List.of(), temps());
        store.putNew("data/cd/pack", bytes(10, 4)); // usable again after close, as before
        store.awaitPuts();
        assertArrayEquals(bytes(10, 4), store.get("data/cd/pack"));
    }

    @Test
    void submitWaitsWhileTheLimitIsInFlight() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        try (BackgroundPuts puts = new BackgroundPuts(2, "test-writer")) {
            for (int i = 0; i < 2; i++) {
                puts.submit("p" + i, () -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new java.io.InterruptedIOException();
                    }
                    done.incrementAndGet();
                });
            }
            Thread third = new Thread(() -> {
                try {
                    puts.submit("p2", done::incrementAndGet);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            third.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (third.getState() != Thread.State.WAITING) {
                if (third.getState() == Thread.State.TERMINATED) {
                    fail("a third write was accepted while two were in flight");
                }
                if (System.nanoTime() > deadline) {
                    fail("the third submit neither waited nor returned: " + third.getState());
                }
                Thread.onSpinWait();
            }
            assertEquals(0, done.get());
            release.countDown();
            third.join(TimeUnit.SECONDS.toMillis(20));
            puts.await();
            assertEquals(3, done.get());
        }
    }
}
