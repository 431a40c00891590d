package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Chunks are compressed when zstd makes them smaller, and random-looking ones are stored as they are without trying. */
class ZstdTest {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void randomBytesAreJudgedIncompressibleWithoutCompressing() {
        for (int n : new int[] {64, 100, 300, 700, 1000, 4096, 40_000, 1 << 20}) {
            byte[] b = random(n, n);
            assertFalse(Zstd.mayShrink(b, 0, b.length), n + " random bytes");
            assertNull(Zstd.compress(b, 0, b.length));
        }
    }

    @Test
    void smallRandomChunksAreNotCompressedByChanceAndSmallTextIs() {
        // A few hundred random bytes use only part of the 256 values: judged against 8 bits a byte, they looked
        // skewed, and every small random file went through zstd for nothing.
        int compressed = 0;
        for (int seed = 0; seed < 300; seed++) {
            byte[] b = random(64 + seed * 7, seed);
            if (Zstd.mayShrink(b, 0, b.length) || Zstd.compress(b, 0, b.length) != null) {
                compressed++;
            }
        }
        assertTrue(compressed == 0, compressed + " of 300 small random chunks were thought compressible");
        byte[] text = "keepwatch keeps every version of every file, and every deleted file, for as long as you ask it to.\n"
                .repeat(3).getBytes(StandardCharsets.UTF_8);
        assertTrue(Zstd.mayShrink(text, 0, text.length));
        byte[] z = Zstd.compress(text, 0, text.length);
        assertNotNull(z);
        assertTrue(z.length < text.length);
        byte[] tiny = new byte[63];
        assertFalse(Zstd.mayShrink(tiny, 0, tiny.length), "below 64 bytes zstd's frame eats the gain");
    }

    @Test
    void textZerosAndRepeatedRandomBlocksAreCompressed() throws Exception {
        StringBuilder sb = new StringBuilder();
        Random r = new Random(1);
        while (sb.length() < 50_000) {
            sb.append("line ").append(r.nextInt(1000)).append(": the quick brown fox jumps over the lazy dog\n");
        }
        byte[] text = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] zeros = new byte[30_000];
        byte[] block = random(2000, 7);
        byte[] repeated = new byte[2000 * 20];
        for (int i = 0; i < 20; i++) {
            System.arraycopy(block, 0, repeated, i * 2000, 2000);
        }
        byte[] skewed = new byte[40_000];
        for (int i = 0; i < skewed.length; i++) {
            skewed[i] = (byte) (Math.abs(r.nextGaussian()) * 8); // few values, no long repeats
        }
        for (byte[] b : new byte[][] {text, zeros, repeated, skewed}) {
            assertTrue(Zstd.mayShrink(b, 0, b.length));
            byte[] z = Zstd.compress(b, 0, b.length);
            assertNotNull(z);
            assertTrue(z.length < b.length);
            byte[] back = new byte[b.length];
            Zstd.decompress(z, 0, z.length, back, b.length);
            assertArrayEquals(b, back);
        }
    }
}
