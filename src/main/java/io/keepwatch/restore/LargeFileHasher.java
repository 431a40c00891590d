package io.keepwatch.restore;

import io.keepwatch.engine.Progress;
import io.keepwatch.fs.DirectIo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes the large files of a {@code verify}: read with O_DIRECT where the file system allows it, the disk's DMA
 * filling an aligned buffer of the thread, which is hashed from a heap array; else through memory maps, one
 * {@link #MAP_CHUNK} window at a time, each unmapped as soon as it is hashed ({@link Unmapper}). Either way resident
 * memory stays near threads x (buffer or window) whatever the files' sizes. Direct reads skip the page cache: no cache
 * page is allocated, filled, mapped and later evicted for bytes read once, and what is hashed is what the disk holds.
 * Hashing data set A's eight 128 MiB files from a dropped cache on 4 threads took 0.93-0.98 CPU-s direct against
 * 1.31-2.05 through maps (and 2.1 through read()), and less wall time (docs/benchmarks.md, verify). Small files stay
 * on plain reads: direct, each one waits for the disk with no read-ahead, and took more CPU (7.4 against 4.8 CPU-s for
 * A's 20,000 small files, same test).
 *
 * <p>Where direct reads fail (a file system without O_DIRECT, such as tmpfs before Linux 6.6, some FUSE and network
 * ones, or jimfs; an alignment the kernel refuses), the file is hashed through maps instead, and so is every later one:
 * the bytes, and so the hash, are the same either way. One instance per verify, shared by its threads.
 */
final class LargeFileHasher {
    private static final Logger log = LoggerFactory.getLogger(LargeFileHasher.class);
    /** Files this large are hashed here; smaller ones with plain reads. */
    static final long THRESHOLD = 4 << 20;
    /** One direct read: large enough that the disk streams, small enough to keep the peak RSS down (one per thread). */
    static final int DIRECT_READ = 4 << 20;
    /** The window of a mapped read. */
    private static final long MAP_CHUNK = 8L << 20;

    /** Opens a file, already checked to be inside the backup root and no link, for direct reads (a seam for tests). */
    interface DirectOpen {
        FileChannel open(Path file) throws IOException;
    }

    static final DirectOpen O_DIRECT = f -> DirectIo.open(f, StandardOpenOption.READ);

    private final DirectOpen direct;
    private final ThreadLocal<ByteBuffer> aligned = ThreadLocal.withInitial(
            () -> DirectIo.alignedBuffer(DIRECT_READ));
    /** Whether direct reads are tried: true until one fails where a mapped read of the same file is then made. */
    private volatile boolean directOn = true;

    LargeFileHasher(DirectOpen direct) {
        this.direct = direct;
    }

    /** Whether direct reads are still tried. */
    boolean direct() {
        return directOn;
    }

    /**
     * Hashes {@code file} (checked by the caller) into {@code digest}, which is fresh; {@code plain} opens it the way
     * a small file is opened, for the mapped read. {@code heap} is the thread's heap buffer. Returns the bytes hashed,
     * or -1 when neither way works here (the caller then reads it as a small file).
     */
    long hash(Path file, Opener plain, MessageDigest digest, byte[] heap, Progress progress) throws IOException {
        if (directOn) {
            FileChannel ch = null;
            try {
                ch = direct.open(file);
            } catch (NoSuchFileException e) {
                throw e;
            } catch (IOException | UnsupportedOperationException e) {
                off(file, e);
            }
            if (ch != null) {
                try (FileChannel in = ch) {
                    long n = hashDirect(in, digest, heap, progress);
                    if (n >= 0) {
                        return n;
                    }
                } catch (UnsupportedOperationException e) {
                    off(file, e);
                }
                digest.reset();
                off(file, null);
            }
        }
        try (FileChannel ch = plain.open(file)) {
            return ch == null ? -1 : hashMapped(ch, digest, heap, progress);
        }
    }

    /** Opens a file the plain way: a FileChannel, or null where the file system gives another kind of channel. */
    interface Opener {
        FileChannel open(Path file) throws IOException;
    }

    private void off(Path file, Exception e) {
        if (directOn) {
            directOn = false;
            log.debug("direct reads of {} fail ({}); hashing large files through memory maps", file,
                    e == null ? "first read refused" : e.toString());
        }
    }

    /**
     * Reads {@code ch} with O_DIRECT into the thread's aligned buffer and hashes each read from {@code heap}. Returns
     * -1 when the first read fails (direct reads do not work on this file system); a failure after that is a read error.
     */
    private long hashDirect(FileChannel ch, MessageDigest digest, byte[] heap, Progress progress) throws IOException {
        ByteBuffer buf = aligned.get();
        long pos = 0;
        while (true) {
            buf.clear();
            int r;
            try {
                r = ch.read(buf, pos);
            } catch (IOException e) {
                if (pos > 0) {
                    throw e;
                }
                return -1;
            }
            if (r <= 0) {
                return pos;
            }
            buf.flip();
            while (buf.hasRemaining()) {
                int step = Math.min(heap.length, buf.remaining());
                buf.get(heap, 0, step);
                digest.update(heap, 0, step);
                progress.advance(step);
            }
            pos += r;
            if (pos % DirectIo.ALIGN != 0) {
                return pos; // a read that ends off a block boundary ends the file
            }
        }
    }

    /**
     * Hashes a file through memory maps: no copy from the page cache into a buffer of the process. Returns -1 where
     * the file system cannot map files.
     */
    private static long hashMapped(FileChannel ch, MessageDigest digest, byte[] heap, Progress progress) throws IOException {
        long size = ch.size();
        long n = 0;
        for (long off = 0; off < size; off += MAP_CHUNK) {
            MappedByteBuffer map;
            try {
                map = ch.map(FileChannel.MapMode.READ_ONLY, off, Math.min(MAP_CHUNK, size - off));
            } catch (UnsupportedOperationException e) {
                digest.reset();
                return -1;
            }
            while (map.hasRemaining()) {
                int step = Math.min(heap.length, map.remaining());
                map.get(heap, 0, step);
                digest.update(heap, 0, step);
                n += step;
                progress.advance(step);
            }
            Unmapper.unmap(map);
        }
        return n;
    }
}
