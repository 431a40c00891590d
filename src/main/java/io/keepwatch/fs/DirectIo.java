package io.keepwatch.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * O_DIRECT's rules, for the reads and writes that bypass the page cache (the repository's {@code DirectReads} for the
 * backup files a push reads and {@code LocalStore} for the packs it writes and check reads; {@code verify}'s
 * {@code LargeFileHasher} for large backup files): the buffer's address, the file position and the length of each
 * transfer are multiples of the block size.
 */
public final class DirectIo {
    /** The block size O_DIRECT transfers are aligned to. */
    public static final int ALIGN = 4096;

    private DirectIo() {
    }

    /** A direct buffer of {@code capacity} bytes whose address is a multiple of {@link #ALIGN}. */
    public static ByteBuffer alignedBuffer(int capacity) {
        return ByteBuffer.allocateDirect(capacity + ALIGN).alignedSlice(ALIGN).limit(capacity).slice();
    }

    /** {@code size} rounded up to whole blocks. */
    public static int roundUp(long size) {
        return (int) ((size + ALIGN - 1) / ALIGN * ALIGN);
    }

    /** Opens {@code file} with O_DIRECT for {@code mode} (READ or WRITE), not following a symbolic link. */
    public static FileChannel open(Path file, OpenOption mode) throws IOException {
        return FileChannel.open(file, mode, LinkOption.NOFOLLOW_LINKS, com.sun.nio.file.ExtendedOpenOption.DIRECT);
    }
}
