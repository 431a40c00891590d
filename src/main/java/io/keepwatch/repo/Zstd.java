package io.keepwatch.repo;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;

/**
 * zstd for chunks (aircompressor: pure Java, so nothing native is unpacked into a temp folder). A chunk is
 * stored compressed only when that makes it smaller. A large chunk is first probed: a 16 KiB sample from its
 * middle is compressed (chunks of 64 KiB or more), and when that saves less than 3% the chunk is stored as it is without compressing
 * the rest (already-compressed media and archives, the bulk of many backups, cost a fraction of the work;
 * borg's "auto" compression makes the same bet with lz4). A chunk that is compressible only outside its
 * middle is then stored uncompressed: it costs space, never correctness.
 */
final class Zstd {
    private Zstd() {
    }

    /** {@code data} compressed, or null when compressing does not make it smaller. */
    static byte[] compress(byte[] data, int off, int len) {
        ZstdCompressor c = new ZstdCompressor();
        if (len >= 4 * PROBE && !worthIt(c, data, off + (len - PROBE) / 2, PROBE)) {
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
