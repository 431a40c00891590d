package io.keepwatch.hash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes a copy so that a sparse file stays sparse: a whole {@link #BLOCK} of zeros is not written, the
 * position moves past it instead and leaves a hole, and {@link #finish} gives the copy its full length, so
 * trailing holes are kept too. The bytes read back are the same either way. The backup copy
 * ({@link HashingCopier}) and {@code keepwatch restore} both write through here.
 */
public final class SparseWriter {
    /** The size of a read, and of the runs of zeros left as holes. */
    public static final int BLOCK = 1 << 20;
    /** Read-only and never moved (mismatch reads positions, it does not change them), so threads share it. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(BLOCK).asReadOnlyBuffer();

    private SparseWriter() {
    }

    /**
     * Writes the remaining bytes of {@code buf} (a heap or a direct buffer) at {@code out}'s position, or, when they are a
     * whole block of zeros, only moves the position past them. Either way {@code buf} ends fully consumed. Returns whether
     * it left a hole: only a copy whose last write did needs {@link #finish}.
     */
    public static boolean write(FileChannel out, ByteBuffer buf) throws IOException {
        int n = buf.remaining();
        if (isHole(buf)) {
            out.position(out.position() + n);
            buf.position(buf.limit());
            return true;
        }
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        return false;
    }

    /** Whether the remaining bytes of {@code buf} are a whole block of zeros, which a copy leaves as a hole. */
    static boolean isHole(ByteBuffer buf) {
        return buf.remaining() == BLOCK && buf.mismatch(ZEROS) < 0;
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
}
