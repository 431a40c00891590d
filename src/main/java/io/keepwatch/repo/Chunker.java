package io.keepwatch.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Content-defined chunking, FastCDC (Xia et al., USENIX ATC 2016) with normalized chunking: a gear hash
 * ({@code h = (h << 1) + G[byte]}) over the bytes after the minimum size; a cut where the hash's top bits are
 * zero, with a stricter mask (two more bits) before the average size and a looser one (two fewer) after,
 * which narrows the spread of sizes; a cut at the maximum size at the latest. The gear table comes from the
 * repository's key, so chunk boundaries (and so sizes) do not reveal known content to someone without it.
 * An edit moves only the boundaries near it, so one edited MiB in a large file makes a few new chunks.
 */
public final class Chunker {
    /** Sizes: at least 512 KiB, about 1 MiB on average, at most 8 MiB. */
    public static final int MIN = 512 * 1024;
    public static final int AVG = 1024 * 1024;
    public static final int MAX = 8 * 1024 * 1024;

    private final long[] gear = new long[256];
    private final long maskStrict;
    private final long maskLoose;
    private final int min;
    private final int avg;
    private final int max;

    public Chunker(byte[] gearKey, int min, int avg, int max) {
        if (!(0 < min && min < avg && avg < max) || Integer.bitCount(avg) != 1) {
            throw new IllegalArgumentException("chunk sizes must be 0 < min < avg < max and avg a power of two");
        }
        for (int i = 0; i < 256; i++) {
            byte[] h = Crypto.hmac(gearKey, new byte[] {(byte) i});
            gear[i] = ByteBuffer.wrap(h).order(ByteOrder.BIG_ENDIAN).getLong();
        }
        int bits = Integer.numberOfTrailingZeros(avg);
        maskStrict = topBits(bits + 2);
        maskLoose = topBits(bits - 2);
        this.min = min;
        this.avg = avg;
        this.max = max;
    }

    private static long topBits(int n) {
        return n <= 0 ? 0 : -1L << (64 - n);
    }

    /** Receives each chunk; the array is reused after the call returns. */
    public interface Sink {
        void chunk(byte[] buf, int off, int len) throws IOException;
    }

    /** The length of the first chunk of {@code buf[off, off+len)} ({@code len} itself if it is no longer than min). */
    int cut(byte[] buf, int off, int len) {
        if (len <= min) {
            return len;
        }
        int n = Math.min(len, max);
        int normal = Math.min(n, avg);
        long h = 0;
        int i = min;
        for (; i < normal; i++) {
            h = (h << 1) + gear[buf[off + i] & 0xff];
            if ((h & maskStrict) == 0) {
                return i + 1;
            }
        }
        for (; i < n; i++) {
            h = (h << 1) + gear[buf[off + i] & 0xff];
            if ((h & maskLoose) == 0) {
                return i + 1;
            }
        }
        return n;
    }

    /**
     * The most one read asks for: Java reads a file into a heap array through a temporary native buffer of the
     * request's size, kept per thread; 1 MiB stays in the CPU's cache between the two copies, 16 MiB did not.
     */
    private static final int READ = 1 << 20;

    /** The read buffer, made on first use and kept: a chunker serves one thread (its repository's). */
    private byte[] buf;

    /** Splits the whole stream into chunks, in order, through the chunker's own buffer. Not for two threads at once. */
    public void split(InputStream in, Sink sink) throws IOException {
        if (buf == null) {
            buf = newBuffer();
        }
        split(in, buf, sink);
    }

    /** A read buffer for {@link #split(InputStream, byte[], Sink)}. */
    byte[] newBuffer() {
        return new byte[2 * max];
    }

    /** Splits the whole stream into chunks through {@code buf} (from {@link #newBuffer}, one per thread); any thread. */
    void split(InputStream in, byte[] buf, Sink sink) throws IOException {
        int start = 0;
        int end = 0;
        boolean eof = false;
        while (true) {
            if (!eof && end - start < max) {
                if (start > 0) {
                    System.arraycopy(buf, start, buf, 0, end - start);
                    end -= start;
                    start = 0;
                }
                while (end < buf.length) {
                    int r = in.read(buf, end, Math.min(READ, buf.length - end));
                    if (r < 0) {
                        eof = true;
                        break;
                    }
                    end += r;
                }
            }
            if (start == end) {
                return;
            }
            // Unless the stream has ended, at least max bytes are buffered here, so the cut is a real one.
            int c = cut(buf, start, end - start);
            sink.chunk(buf, start, c);
            start += c;
        }
    }
}
