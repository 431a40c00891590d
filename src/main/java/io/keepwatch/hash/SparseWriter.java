package io.keepwatch.hash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Writes a copy so that a sparse file stays sparse: a whole {@link #BLOCK} of zeros is not written, the
 * position moves past it instead and leaves a hole, and {@link #finish} gives the copy its full length, so
 * trailing holes are kept too. The bytes read back are the same either way. The backup copy
 * ({@link HashingCopier}) and {@code keepwatch restore} both write through here.
 */
public final class SparseWriter {
    /** The size of a read, and of the runs of zeros left as holes. */
    public static final int BLOCK = 1 << 20;
    private static final byte[] ZEROS = new byte[BLOCK];

    private SparseWriter() {
    }

    /**
     * Writes the remaining bytes of {@code buf} (a heap buffer) at {@code out}'s position, or, when they are a
     * whole block of zeros, only moves the position past them. Either way {@code buf} ends fully consumed.
     */
    public static void write(FileChannel out, ByteBuffer buf) throws IOException {
        int n = buf.remaining();
        if (n == BLOCK && isZeros(buf.array(), buf.arrayOffset() + buf.position(), n)) {
            out.position(out.position() + n);
            buf.position(buf.limit());
            return;
        }
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /**
     * Makes {@code out} {@code length} bytes long after the last {@link #write}: a copy that ended in a
     * hole is still short of it, so one zero byte is written at the last position (the rest stays a hole).
     */
    public static void finish(FileChannel out, long length) throws IOException {
        if (out.size() < length) {
            out.write(ByteBuffer.wrap(new byte[1]), length - 1);
        }
    }

    private static boolean isZeros(byte[] b, int from, int n) {
        return Arrays.mismatch(b, from, from + n, ZEROS, 0, n) < 0;
    }
}
