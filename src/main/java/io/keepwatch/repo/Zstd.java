package io.keepwatch.repo;

import io.airlift.compress.MalformedInputException;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;

/**
 * zstd for chunks (aircompressor: pure Java, so nothing native is unpacked into a temp folder). A chunk is
 * stored compressed only when that makes it smaller.
 */
final class Zstd {
    private Zstd() {
    }

    /** {@code data} compressed, or null when compressing does not make it smaller. */
    static byte[] compress(byte[] data, int off, int len) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(len)];
        int n = c.compress(data, off, len, out, 0, out.length);
        return n < len ? java.util.Arrays.copyOf(out, n) : null;
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
