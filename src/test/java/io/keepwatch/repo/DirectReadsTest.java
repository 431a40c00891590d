package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A push's backup files read with O_DIRECT give the bytes a plain read gives, and fall back to plain reads where direct ones fail. */
class DirectReadsTest {
    private static final int R = DirectReads.READ;
    private static final int[] SIZES = {0, 1, 4095, 4096, 4097, R - 1, R, R + 1, 3 * R + 12_345};

    @TempDir
    Path dir;

    private Path file(String name, int size) throws IOException {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    /** Reads the whole stream in requests of {@code step} bytes. */
    private static byte[] readAll(InputStream in, int step) throws IOException {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] b = new byte[step];
            for (int r; (r = in.read(b, 0, step)) >= 0; ) {
                assertTrue(r > 0, "a read of " + step + " bytes returned 0");
                out.write(b, 0, r);
            }
            assertEquals(-1, in.read());
            return out.toByteArray();
        }
    }

    @Test
    void everySizeReadsAsAPlainRead() throws IOException {
        AtomicInteger directOpens = new AtomicInteger();
        DirectReads reads = new DirectReads(f -> {
            directOpens.incrementAndGet();
            return DirectReads.O_DIRECT.open(f);
        });
        int opens = 0;
        for (int size : SIZES) {
            Path f = file("f" + size, size);
            for (int step : new int[] {1000, 8192, R + 7}) {
                if (step == 1000 && size > R + 1) {
                    continue; // long enough: the other steps cross the same boundaries
                }
                assertArrayEquals(Files.readAllBytes(f), readAll(reads.open(f), step), size + " bytes read " + step + " at a time");
                opens++;
            }
            try (InputStream in = reads.open(f)) {
                assertEquals(size == 0 ? -1 : Files.readAllBytes(f)[0] & 0xff, in.read(), "the single-byte read of " + size + " bytes");
            }
            opens++;
        }
        assertEquals(opens, directOpens.get());
    }

    @Test
    void aFileThatGrowsOrShrinksAfterItWasOpenedIsReadToItsEndAsAPlainReadWouldBe() throws IOException {
        // Each direct read asks only for the blocks that held the rest of the file when it was opened.
        DirectReads reads = new DirectReads();
        for (int size : new int[] {10, 4096, R - 100, R + 100}) {
            Path f = file("grows" + size, size);
            try (InputStream in = reads.open(f)) {
                byte[] more = new byte[2 * R + 77];
                new Random(-size).nextBytes(more);
                Files.write(f, more, StandardOpenOption.APPEND);
                assertArrayEquals(Files.readAllBytes(f), readAll(in, 8192), "a file of " + size + " bytes that grew after its open");
            }
            Path g = file("shrinks" + size, size);
            try (InputStream in = reads.open(g)) {
                try (FileChannel ch = FileChannel.open(g, StandardOpenOption.WRITE)) {
                    ch.truncate(size / 3);
                }
                assertArrayEquals(Files.readAllBytes(g), readAll(in, 8192), "a file of " + size + " bytes that shrank after its open");
            }
        }
        assertTrue(reads.enabled());
    }

    @Test
    void aFileSystemWithoutDirectReadsIsReadThroughTheCacheFromThenOn() throws IOException {
        AtomicInteger directOpens = new AtomicInteger();
        DirectReads reads = new DirectReads(f -> {
            directOpens.incrementAndGet();
            throw new UnsupportedOperationException("no O_DIRECT here");
        });
        Path a = file("a", 3 * R + 5);
        Path b = file("b", 10);
        assertArrayEquals(Files.readAllBytes(a), readAll(reads.open(a), 8192));
        assertFalse(reads.enabled());
        assertArrayEquals(Files.readAllBytes(b), readAll(reads.open(b), 8192));
        assertEquals(1, directOpens.get(), "once direct reads failed, they are not tried again");
    }

    @Test
    void aFirstDirectReadThatFailsIsDoneAgainThroughTheCache() throws IOException {
        // The "direct" channel is the file's folder: it opens, and its first read fails (EISDIR), as an O_DIRECT
        // read fails with EINVAL where the kernel refuses the alignment.
        DirectReads reads = new DirectReads(f -> FileChannel.open(f.getParent(), StandardOpenOption.READ));
        Path a = file("a", 2 * R + 3);
        assertArrayEquals(Files.readAllBytes(a), readAll(reads.open(a), 8192));
        assertFalse(reads.enabled());
    }

    @Test
    void aMissingFileOrASymbolicLinkIsAnErrorAsWithAPlainRead() throws IOException {
        DirectReads reads = new DirectReads();
        assertThrows(NoSuchFileException.class, () -> reads.open(dir.resolve("missing")));
        Path target = file("target", 100);
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        IOException e = assertThrows(IOException.class, () -> reads.open(link).close(), "a symbolic link is not followed");
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        assertTrue(reads.enabled(), "an error a plain read reports too does not turn direct reads off");
    }
}
