package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packs written with O_DIRECT (a folder on disk) hold exactly their parts, whatever their size against the block
 * size and the 1 MiB buffer, with no padding left; where direct writes fail the same bytes are written through the cache.
 */
class LocalStoreDirectWriteTest {
    private static final int M = 1 << 20;
    private static final int[] SIZES = {M - 1, M, M + 1, M + 4096, 3 * M + 4095, 2 * M + 4096 * 7};

    @TempDir
    Path dir;

    /** A pack of {@code size} bytes in parts of assorted sizes (many small ones, an empty one, some across the MiB slices). */
    private static List<byte[]> parts(int size, long seed) {
        Random r = new Random(seed);
        List<byte[]> parts = new ArrayList<>();
        int left = size;
        while (left > 0) {
            int n = Math.min(left, switch (parts.size() % 4) {
                case 0 -> 1 + r.nextInt(3000);
                case 1 -> 0;
                case 2 -> 1 + r.nextInt(M + M / 2);
                default -> 4096;
            });
            byte[] p = new byte[n];
            r.nextBytes(p);
            parts.add(p);
            left -= n;
        }
        return parts;
    }

    private static byte[] joined(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private static void storesEveryPackExactly(LocalStore store, Path root) throws IOException {
        for (int size : SIZES) {
            store.putNew("data/ab/p" + size, parts(size, size));
        }
        store.awaitPuts();
        for (int size : SIZES) {
            Path file = root.resolve("data/ab/p" + size);
            assertEquals(size, Files.size(file), "pack of " + size + " bytes: no padding left");
            assertArrayEquals(joined(parts(size, size)), Files.readAllBytes(file), "pack of " + size + " bytes");
        }
        try (Stream<Path> s = Files.list(root.resolve("tmp"))) {
            assertEquals(List.of(), s.toList(), "no temp file left");
        }
    }

    @Test
    void packsWrittenDirectlyHoldExactlyTheirParts() throws IOException {
        AtomicInteger directOpens = new AtomicInteger();
        Path root = dir.resolve("repo");
        try (LocalStore store = new LocalStore(root)) {
            store.directOpen(f -> {
                directOpens.incrementAndGet();
                return java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS, com.sun.nio.file.ExtendedOpenOption.DIRECT);
            });
            store.create();
            storesEveryPackExactly(store, root);
            assertTrue(store.directWrites());
            assertEquals(SIZES.length - 1, directOpens.get(), "every pack of a MiB or more was written directly");
        }
    }

    @Test
    void whereDirectWritesFailPacksAreWrittenThroughTheCache() throws IOException {
        AtomicInteger directOpens = new AtomicInteger();
        Path root = dir.resolve("repo");
        try (LocalStore store = new LocalStore(root)) {
            store.directOpen(f -> {
                directOpens.incrementAndGet();
                throw new IOException("Invalid argument");
            });
            store.create();
            storesEveryPackExactly(store, root);
            assertFalse(store.directWrites());
            // Writer threads that started their pack before the first failure try once each; no later pack does.
            assertTrue(directOpens.get() <= LocalStore.PACKS_IN_FLIGHT, directOpens.get() + " direct opens");
        }
    }
}
