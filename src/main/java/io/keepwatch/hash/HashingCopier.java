package io.keepwatch.hash;

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
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reads a source file once, hashing it and (optionally) writing it to a temp file at the same time, and
 * makes sure the result is consistent: the file's size and mtime before and after the read must agree
 * with each other and with the bytes read, else the read is retried, and after {@link #ATTEMPTS}
 * attempts it fails with {@link FileChangedException}. The temp copy gets the source's mtime and
 * permission bits; it is not fsynced here (the engine syncs a whole batch at once).
 */
public final class HashingCopier {
    public static final int ATTEMPTS = 3;
    private static final int BUFFER = SparseWriter.BLOCK;

    private final Fs fs;
    private final HashAlgorithm algorithm;
    /**
     * Direct buffers: the channels read into and write from them as they are. A heap buffer costs two more
     * copies of every byte (the JDK reads into a direct buffer of its own and copies, and again on write);
     * on a first run over 1.8 GB those were about a second of CPU. The digest takes the bytes from a direct
     * buffer a few KB at a time, in cache.
     */
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

    public HashingCopier(Fs fs, HashAlgorithm algorithm) {
        this.fs = fs;
        this.algorithm = algorithm;
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
        MessageDigest digest = algorithm.newDigest();
        ByteBuffer buf = buffers.get();
        try (SeekableByteChannel in = Files.newByteChannel(file, LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                buf.clear();
                if (in.read(buf) < 0) {
                    break;
                }
                digest.update(buf.flip());
            }
        }
        return algorithm.format(digest.digest());
    }

    private FileFacts read(Path source, Optional<Path> temp) throws IOException {
        String lastReason = "";
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            BasicFileAttributes before = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!before.isRegularFile()) {
                throw new java.nio.file.FileSystemException(source.toString(), null, "is no longer a regular file");
            }
            MessageDigest digest = algorithm.newDigest();
            long bytes = 0;
            ByteBuffer buf = buffers.get();
            try (SeekableByteChannel in = fs.openSource(source);
                 FileChannel out = temp.isPresent() ? fs.createNew(temp.get()) : null) {
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
                        SparseWriter.write(out, buf.rewind());
                    }
                }
                if (out != null) {
                    SparseWriter.finish(out, bytes);
                }
            } catch (IOException e) {
                deleteTemp(temp);
                throw e;
            }
            BasicFileAttributes after = readAttributes(source);
            long mtime = after.lastModifiedTime().to(TimeUnit.NANOSECONDS);
            if (before.size() == after.size() && after.size() == bytes
                    && before.lastModifiedTime().equals(after.lastModifiedTime())) {
                String perms = after instanceof PosixFileAttributes p ? io.keepwatch.fs.PermissionText.of(p.permissions()) : "";
                if (temp.isPresent()) {
                    finishTemp(temp.get(), after, perms);
                }
                Object key = after.fileKey();
                return new FileFacts(algorithm.format(digest.digest()), bytes, mtime, key == null ? "" : key.toString(), perms);
            }
            lastReason = "changed while being read (size " + before.size() + " -> " + after.size() + ", read " + bytes
                    + " bytes, mtime " + before.lastModifiedTime() + " -> " + after.lastModifiedTime() + ")";
            deleteTemp(temp);
        }
        throw new FileChangedException(source.toString(), lastReason + "; tried " + ATTEMPTS + " times, will retry on the next pass");
    }

    /** POSIX attributes where the filesystem has them (same single lstat on Linux), else basic ones. */
    static BasicFileAttributes readAttributes(Path file) throws IOException {
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    private static void finishTemp(Path temp, BasicFileAttributes src, String perms) throws IOException {
        Files.setLastModifiedTime(temp, FileTime.from(src.lastModifiedTime().to(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS));
        if (!perms.isEmpty()) {
            PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
            if (view != null) {
                view.setPermissions(PosixFilePermissions.fromString(perms));
            }
        }
    }

    private static void deleteTemp(Optional<Path> temp) throws IOException {
        if (temp.isPresent()) {
            Files.deleteIfExists(temp.get());
        }
    }
}
