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
        for (int n : new int[] {1000, 4096, 40_000, 1 << 20}) {
            byte[] b = random(n, n);
            assertFalse(Zstd.mayShrink(b, 0, b.length), n + " random bytes");
            assertNull(Zstd.compress(b, 0, b.length));
        }
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
