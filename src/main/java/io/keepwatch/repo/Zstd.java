package io.keepwatch.repo;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;

/**
 * zstd for chunks (aircompressor: pure Java, so nothing native is unpacked into a temp folder). A chunk is
 * stored compressed only when that makes it smaller. Every chunk is first looked at without compressing
 * ({@link #mayShrink}: the spread of its byte values and its repeated 4-byte sequences, over the whole chunk
 * up to 16 KiB, else over a 16 KiB sample from its middle: looking at the whole of every chunk below 64 KiB was a
 * fifth of a push's Java samples on data set A's 20,000 small files); a chunk that shows neither skew nor repeats is
 * stored as it is. The spread is judged against what random bytes of the same length show (a few hundred random
 * bytes use only part of the 256 values and look skewed by chance: judged against a fixed 7.76 bits, every random
 * chunk below about 1 KiB passed and was run through zstd, which cost more per call than its bytes; data set A's
 * 4,000 small files made that a sixth of a push's Java samples and three large C2 compilations of the compressor).
 * Chunks below 64 bytes are stored as they are: zstd's frame alone is 9 bytes. A large chunk that passes is then probed: its 16 KiB sample is compressed, and when that
 * saves less than 3% the chunk is stored as it is without compressing the rest. Already-compressed media and
 * archives, the bulk of many backups, so cost a fraction of the work (aircompressor allocates its tables anew
 * for every call, which alone was a fifth of a push's CPU on small files; borg's "auto" compression makes the
 * same bet with lz4). A chunk that is compressible only outside its middle is then stored uncompressed: it
 * costs space, never correctness.
 */
final class Zstd {
    private Zstd() {
    }

    /** {@code data} compressed, or null when compressing does not make it smaller. */
    static byte[] compress(byte[] data, int off, int len) {
        boolean large = len >= 4 * PROBE;
        int sampleLen = Math.min(len, PROBE);
        int sampleOff = off + (len - sampleLen) / 2;
        if (!mayShrink(data, sampleOff, sampleLen)) {
            return null;
        }
        ZstdCompressor c = new ZstdCompressor();
        if (large && !worthIt(c, data, sampleOff, sampleLen)) {
            return null;
        }
        byte[] out = new byte[c.maxCompressedLength(len)];
        int n = c.compress(data, off, len, out, 0, out.length);
        return n < len ? java.util.Arrays.copyOf(out, n) : null;
    }

    static final int PROBE = 16 * 1024;

    /** Whether zstd saves at least 3% on {@code data[off, off+len)}. */
    static boolean worthIt(ZstdCompressor c, byte[] data, int off, int len) {
        byte[] out = new byte[c.maxCompressedLength(len)];
        return c.compress(data, off, len, out, 0, out.length) < len - len * 3 / 100;
    }

    /** Bits a byte that coding the bytes one by one must save, below random bytes' entropy, to save 3%. */
    private static final double SAVED = 8 * 0.03;
    private static final int REPEAT_SLOTS = 1 << 12;

    /**
     * Whether zstd might save 3% on {@code data[off, off+len)}, judged without compressing: zstd gains by
     * Huffman-coding literals (worth it only when byte values are unevenly spread: order-0 entropy at least
     * {@link #SAVED} bits below what {@code len} random bytes show, {@link #randomBits}) and by matches (repeated sequences of at least 4 bytes here: counted through a small hash table of
     * the 4-byte sequence last seen in each slot). Uniformly random-looking bytes with hardly a repeat (encrypted or
     * compressed data) answer false; text, tables, code and zeros answer true.
     */
    static boolean mayShrink(byte[] data, int off, int len) {
        if (len < 64) {
            return false;
        }
        int[] counts = new int[256];
        // Per slot, the last 4-byte sequence that hashed there, with a bit saying the slot was used.
        long[] last = new long[REPEAT_SLOTS];
        int repeats = 0;
        int end = off + len - 3;
        int v = (data[off] & 0xff) << 8 | (data[off + 1] & 0xff) << 16 | (data[off + 2] & 0xff) << 24;
        for (int i = off; i < end; i++) {
            v = v >>> 8 | (data[i + 3] & 0xff) << 24; // data[i, i+4) little-endian, one byte load a step
            counts[v & 0xff]++;
            int slot = (v * 0x9E3779B1) >>> (32 - 12);
            long seen = (long) v << 32 | 1;
            if (last[slot] == seen) {
                repeats++;
            }
            last[slot] = seen;
        }
        for (int i = end; i < off + len; i++) {
            counts[data[i] & 0xff]++;
        }
        if (repeats >= len * 3 / 100) {
            return true;
        }
        double bits = 0;
        for (int c : counts) {
            if (c > 0) {
                double p = (double) c / len;
                bits -= p * Math.log(p);
            }
        }
        return bits / Math.log(2) < randomBits(len) - SAVED;
    }

    /**
     * The order-0 entropy (bits a byte, counted as {@link #mayShrink} counts it) that {@code n} uniformly random bytes
     * show on average: below 8, since each of the 256 values occurs a binomially distributed number of times
     * (about 7.99 for 16 KiB, 7.8 for 1 KiB, 5.8 for 64 bytes). From 4 KiB on, the first-order bias
     * {@code 255 / (2n ln 2)} below 8 (within 0.001 of the sum); below, the sum over the occurrence counts that matter.
     */
    static double randomBits(int n) {
        if (n >= 4096) {
            return 8 - 255 / (2 * n * Math.log(2));
        }
        double p = 1.0 / 256;
        double logPmf = n * Math.log1p(-p); // log P(a given value occurs 0 times), in logs: no underflow for large n
        double mean = n * p;
        double sum = 0;
        for (int c = 1; c <= n; c++) {
            logPmf += Math.log((double) (n - c + 1) / c * p / (1 - p));
            double pmf = Math.exp(logPmf);
            double f = (double) c / n;
            sum -= pmf * f * Math.log(f);
            if (c > mean && pmf < 1e-12) {
                break;
            }
        }
        return 256 * sum / Math.log(2);
    }

    /** Decompresses into {@code out} from index 0 (at least {@code rawLength} long); anything but exactly rawLength bytes is an error. */
    static void decompress(byte[] data, int off, int len, byte[] out, int rawLength) throws RepoException {
        try {
            int n = new ZstdDecompressor().decompress(data, off, len, out, 0, rawLength);
            if (n != rawLength) {
                throw new RepoException("decompressed to " + n + " bytes, not " + rawLength);
            }
        } catch (MalformedInputException | IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            throw new RepoException("zstd data is malformed: " + e.getMessage(), e);
        }
    }
}
