package io.keepwatch.fs;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Linux system calls {@link RealFs} makes itself, through JNA's direct mapping (one JNI call each), where the
 * JDK's own way costs more calls: setting a file's times is {@code utimensat} on its name, one call, where the JDK
 * opens the file, calls {@code futimens} and closes it (three, two of them walking the path). On a first backup of
 * many small files that is two of the copy's thirteen system calls per file. Only where {@link LinuxLibc} can bind
 * them (64-bit Linux): {@link #unavailable} says why not, and the callers then take the JDK's way.
 */
final class LinuxCalls {
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int ENOENT = 2;
    private static final int EACCES = 13;
    private static final int EPERM = 1;

    private static final Optional<String> UNAVAILABLE = LinuxLibc.register(LinuxCalls.class);

    private LinuxCalls() {
    }

    /** Why these calls cannot be made here, or empty when they can. */
    static Optional<String> unavailable() {
        return UNAVAILABLE;
    }

    /** {@code times}: two {@code struct timespec} (access, then modification), each seconds and nanoseconds. */
    private static native int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

    /**
     * Sets the access and modification times of {@code file} (a name of the default filesystem, as raw bytes without
     * the NUL), not following a symbolic link.
     */
    static void setTimes(Path file, byte[] name, FileTime lastModified, FileTime lastAccess) throws IOException {
        byte[] path = new byte[name.length + 1];
        System.arraycopy(name, 0, path, 0, name.length);
        long a = lastAccess.to(TimeUnit.NANOSECONDS);
        long m = lastModified.to(TimeUnit.NANOSECONDS);
        long[] times = {Math.floorDiv(a, 1_000_000_000L), Math.floorMod(a, 1_000_000_000L),
                Math.floorDiv(m, 1_000_000_000L), Math.floorMod(m, 1_000_000_000L)};
        try {
            utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            String reason = "cannot set its times: errno " + errno;
            if (errno == ENOENT) {
                throw new NoSuchFileException(file.toString(), null, reason);
            }
            if (errno == EACCES || errno == EPERM) {
                throw new AccessDeniedException(file.toString(), null, reason + " (permission denied)");
            }
            throw new FileSystemException(file.toString(), null, reason);
        }
    }
}
