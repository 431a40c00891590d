package io.keepwatch.repo;

import io.keepwatch.fs.DirectIo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the backup files a push reads with O_DIRECT where the file system allows it: the disk's DMA fills an
 * aligned buffer of the reading thread, and the stream copies from there into the caller's array. Through the page
 * cache every byte was first copied into a cache page (allocated, and later evicted) and then into the JDK's
 * temporary buffer: reading data set A's 1.9 GB cold that way was 2.3-3.6 s of the readers' system CPU, a tenth of
 * the push's CPU (dd of a 128 MiB file: 0.15-0.18 s of system CPU through the cache, 0.01-0.02 s direct). A push
 * reads each file once, so the cache gained nothing from holding it.
 *
 * <p>Where direct reads fail (a file system without O_DIRECT such as tmpfs before Linux 6.6 or some FUSE and
 * network ones, a provider that refuses the option, an alignment the kernel refuses), the file is read through the
 * cache instead, and so is every later one once that worked: the bytes, and the errors a plain read reports (a
 * missing file, a symbolic link, a damaged disk), are the same either way. One instance per push: the thread's
 * buffer is kept by the instance's thread-local, and the fallback is the instance's own.
 */
final class DirectReads implements ContentReader.Opener {
    private static final Logger log = LoggerFactory.getLogger(DirectReads.class);
    /** One read's size: large enough for the disk, small enough to stay in the CPU's cache for the copy out. */
    static final int READ = 1 << 20;

    /** Opens a file for direct reads (a seam for tests). */
    interface DirectOpen {
        FileChannel open(Path file) throws IOException;
    }

    static final DirectOpen O_DIRECT = f -> DirectIo.open(f, StandardOpenOption.READ);

    private final DirectOpen direct;
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> DirectIo.alignedBuffer(READ));
    /** Whether direct reads are tried: true until one fails where a plain read of the same file works. */
    private volatile boolean enabled = true;

    DirectReads() {
        this(O_DIRECT);
    }

    DirectReads(DirectOpen direct) {
        this.direct = direct;
    }

    /** Whether direct reads are still tried (false once they failed where plain ones worked). */
    boolean enabled() {
        return enabled;
    }

    @Override
    public InputStream open(Path file) throws IOException {
        if (enabled) {
            FileChannel ch;
            try {
                ch = direct.open(file);
            } catch (NoSuchFileException e) {
                throw e;
            } catch (IOException | UnsupportedOperationException e) {
                return fallBack(file, e);
            }
            return new Stream(file, ch, buffers.get());
        }
        return ContentReader.FILES.open(file);
    }

    /** A plain stream of {@code file} after a direct open or read failed with {@code e}; later files are read plainly if it opens. */
    private InputStream fallBack(Path file, Exception e) throws IOException {
        InputStream in = ContentReader.FILES.open(file); // a plain open's error is the one to report
        if (enabled) {
            enabled = false;
            log.debug("direct reads of {} fail ({}); reading backup files through the page cache", file, e.toString());
        }
        return in;
    }

    /** A file read with O_DIRECT in aligned reads of {@link #READ} bytes into the thread's buffer, then copied out. */
    private final class Stream extends InputStream {
        private final Path file;
        private final FileChannel ch;
        private final ByteBuffer buf;
        /** The file position of the next read into {@link #buf} (a multiple of {@link DirectIo#ALIGN} until the end). */
        private long pos;
        private boolean eof;
        /** The plain stream read instead once the first direct read failed. */
        private InputStream plain;
        /** The file's size when it was opened: no read asks for more than the blocks that hold the rest of it. */
        private final long size;

        Stream(Path file, FileChannel ch, ByteBuffer buf) throws IOException {
            this.file = file;
            this.ch = ch;
            this.buf = buf.clear().limit(0);
            try {
                this.size = ch.size();
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (plain != null) {
                return plain.read(b, off, len);
            }
            if (len == 0) {
                return 0;
            }
            if (!buf.hasRemaining()) {
                if (eof || !fill()) {
                    return plain != null ? plain.read(b, off, len) : -1;
                }
            }
            int n = Math.min(len, buf.remaining());
            buf.get(b, off, n);
            return n;
        }

        /**
         * Reads the next block of the file into the buffer; false at the end of the file. Each read asks for the
         * blocks that hold the rest of the file as it was opened, at most {@link #READ}: the kernel fills the part of
         * a direct read that lies past the end of the file with zeros, and a small file read with a 1 MiB request had
         * the rest of the buffer zeroed (2.5% of a push's CPU on data set A's 20,000 small files). A file that grew
         * since is read on in whole requests until a read comes back short, as before.
         */
        private boolean fill() throws IOException {
            buf.clear();
            long rest = size - pos;
            if (rest > 0 && rest < READ) {
                buf.limit(DirectIo.roundUp(rest));
            }
            int r;
            try {
                r = ch.read(buf, pos);
            } catch (IOException e) {
                if (pos > 0) {
                    throw e; // direct reads worked on this file: a real read error
                }
                ch.close();
                plain = fallBack(file, e);
                buf.limit(0);
                return false;
            }
            if (r <= 0) {
                eof = true;
                buf.limit(0);
                return false;
            }
            pos += r;
            if (pos % DirectIo.ALIGN != 0) {
                eof = true; // a short read that ends off a block boundary is the end of the file
            }
            buf.flip();
            return true;
        }

        @Override
        public void close() throws IOException {
            try {
                ch.close();
            } finally {
                if (plain != null) {
                    plain.close();
                }
            }
        }
    }
}
