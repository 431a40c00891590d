package io.keepwatch.hash;

import io.keepwatch.fs.TempFiles;
import io.keepwatch.fs.Fs;
import io.keepwatch.state.FileFacts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reads a source file once, hashing it and (optionally) writing it to a temp file at the same time, and
 * makes sure the result is consistent: the file's size and mtime before and after the read must agree
 * with each other and with the bytes read, else the read is retried, and after {@link #ATTEMPTS}
 * attempts it fails with {@link FileChangedException}. The temp copy gets the source's mtime and
 * permission bits; it is not fsynced here (the engine syncs a whole batch at once).
 *
 * <p>Files of {@link #KERNEL_COPY_MIN} and more are copied by the kernel ({@code FileChannel.transferTo}, which is
 * sendfile on Linux: page cache to page cache, no trip through this process), a few MiB at a time, and each
 * piece is then hashed from the copy, where it is still in the page cache. The hash is then that of the bytes
 * the backup holds, and the source is still read once. Copying 1 GiB of large files this way took about half
 * the CPU of reading it in and writing it out (measured: 1.3 against 2.0-2.5 s of CPU, 0.8 against 1.0-1.3 s
 * wall, 8 files at once on 2 cores). Where a piece holds a whole {@link SparseWriter#BLOCK} of zeros, the copy is
 * cut back to that block and goes on as a read-and-write copy that leaves holes, so sparse files stay sparse.
 */
public final class HashingCopier {
    public static final int ATTEMPTS = 3;
    private static final int BUFFER = SparseWriter.BLOCK;
    /** From this size on, files are copied by the kernel (see the class comment). */
    static final long KERNEL_COPY_MIN = 4L << 20;
    /** How much the kernel copies before that piece is hashed back (small enough to be still in cache). */
    private static final long KERNEL_COPY_PIECE = 8L << 20;

    private final Fs fs;
    private final HashAlgorithm algorithm;
    private final DigestEngine digests;
    /**
     * Direct buffers: the channels read into and write from them as they are. A heap buffer costs two more
     * copies of every byte (the JDK reads into a direct buffer of its own and copies, and again on write);
     * on a first run over 1.8 GB those were about a second of CPU. The digest takes the bytes from a direct
     * buffer a few KB at a time, in cache.
     */
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

    /** Hashes with {@link DigestEngine#preferred()}. */
    public HashingCopier(Fs fs, HashAlgorithm algorithm) {
        this(fs, algorithm, DigestEngine.preferred());
    }

    public HashingCopier(Fs fs, HashAlgorithm algorithm, DigestEngine digests) {
        this.fs = fs;
        this.algorithm = algorithm;
        this.digests = digests;
    }

    public HashAlgorithm algorithm() {
        return algorithm;
    }

    /** Copies {@code source} to the new file {@code temp} while hashing it; returns what was copied. */
    public FileFacts copy(Path source, Path temp) throws IOException {
        return read(source, Optional.of(temp));
    }

    /** Hashes {@code source} without copying it. */
    public FileFacts hash(Path source) throws IOException {
        return read(source, Optional.empty());
    }

    /** Hashes a file keepwatch itself wrote (no stability check needed: nobody else writes there). */
    public String hashOf(Path file) throws IOException {
        ByteBuffer buf = buffers.get();
        try (ContentDigest digest = digests.start(algorithm);
             java.nio.channels.ReadableByteChannel in = java.nio.channels.Channels.newChannel(fs.newInputStream(file))) {
            while (true) {
                buf.clear();
                if (in.read(buf) < 0) {
                    break;
                }
                digest.update(buf.flip());
            }
            return algorithm.format(digest.finish());
        }
    }

    private FileFacts read(Path source, Optional<Path> temp) throws IOException {
        String lastReason = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            BasicFileAttributes before = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!before.isRegularFile()) {
                throw new java.nio.file.FileSystemException(source.toString(), null, "is no longer a regular file");
            }
            long bytes = 0;
            ByteBuffer buf = buffers.get();
            byte[] hash;
            try (ContentDigest digest = digests.start(algorithm);
                 SeekableByteChannel in = fs.openSource(source);
                 FileChannel out = temp.isPresent() ? fs.createNew(temp.get()) : null) {
                if (out != null && in instanceof FileChannel src && before.size() >= KERNEL_COPY_MIN) {
                    bytes = kernelCopy(src, out, digest, buf);
                    in.position(bytes);
                    out.position(bytes);
                }
                // Whether the copy's last write left a hole: only then is it short of its length (asking its size
                // would cost every copy a system call).
                boolean endsInHole = false;
                while (true) {
                    buf.clear();
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    bytes += n;
                    digest.update(buf.flip());
                    if (out != null) {
                        // A run of zeros (a hole in a sparse file, a preallocated disk image) stays a hole in
                        // the copy, so a 5 GiB sparse file does not take 5 GiB of backup.
                        endsInHole = SparseWriter.write(out, buf.rewind());
                    }
                    if (bytes == before.size()) {
                        // As long as the file was: no read to find the end (a system call per file). A file that grew
                        // meanwhile is found by the check after the read (its size is no longer the bytes read).
                        break;
                    }
                }
                if (out != null && endsInHole) {
                    SparseWriter.finish(out, bytes);
                }
                hash = digest.finish();
            } catch (IOException e) {
                throw temp.isPresent() ? TempFiles.discard(fs, temp.get(), e) : e;
            }
            BasicFileAttributes after = readAttributes(source);
            long mtime = after.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            if (before.size() == after.size() && after.size() == bytes
                    && before.lastModifiedTime().equals(after.lastModifiedTime())) {
                String perms = after instanceof PosixFileAttributes p ? io.keepwatch.fs.PermissionText.of(p.permissions()) : "";
                if (temp.isPresent()) {
                    try {
                        finishTemp(temp.get(), after, perms);
                    } catch (IOException e) {
                        throw TempFiles.discard(fs, temp.get(), e); // no copy with the wrong time or mode stays
                    }
                }
                Object key = after.fileKey();
                return new FileFacts(algorithm.format(hash), bytes, mtime, key == null ? "" : key.toString(), perms);
            }
            lastReason = "changed while being read (size " + before.size() + " -> " + after.size() + ", read " + bytes
                    + " bytes, mtime " + before.lastModifiedTime() + " -> " + after.lastModifiedTime() + ")";
            deleteTemp(temp);
        }
        throw new FileChangedException(source.toString(), lastReason + "; tried " + ATTEMPTS + " times, will retry on the next pass");
    }

    /**
     * Copies {@code in} to {@code out} by the kernel, piece by piece, hashing each piece back from {@code out}. Stops
     * at the end of {@code in}, or at the first whole block of zeros (cutting {@code out} back to where it starts:
     * the caller goes on from there, leaving holes). Returns how many bytes are copied and hashed.
     */
    private static long kernelCopy(FileChannel in, FileChannel out, ContentDigest digest, ByteBuffer buf) throws IOException {
        long done = 0;
        while (true) {
            long piece = 0;
            for (long n; piece < KERNEL_COPY_PIECE && (n = in.transferTo(done + piece, KERNEL_COPY_PIECE - piece, out)) > 0; ) {
                piece += n;
            }
            if (piece == 0) {
                return done;
            }
            for (long at = done, end = done + piece; at < end; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - at));
                int n = out.read(buf, at);
                if (n <= 0) {
                    throw new IOException("the copy ended at " + at + " bytes, before the " + end + " just written");
                }
                buf.flip();
                if (SparseWriter.isHole(buf)) {
                    out.truncate(at);
                    return at;
                }
                digest.update(buf);
                at += n;
                done = at;
            }
        }
    }

    /** POSIX attributes where the filesystem has them (same single lstat on Linux), else basic ones. */
    static BasicFileAttributes readAttributes(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Gives the copy the source's mtime and permission bits. Its access time is set too (to the source's): given both
     * times, the JDK sets them without reading the file's own first, one system call fewer per copy.
     */
    private void finishTemp(Path temp, BasicFileAttributes src, String perms) throws IOException {
        fs.setFileTimes(temp, FileTime.from(src.lastModifiedTime().to(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS),
                src.lastAccessTime());
        if (!perms.isEmpty()) {
            fs.setPermissions(temp, PosixFilePermissions.fromString(perms));
        }
    }

    private void deleteTemp(Optional<Path> temp) throws IOException {
        if (temp.isPresent()) {
            fs.deleteIfExists(temp.get());
        }
    }
}
