package io.keepwatch.watch;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;
import io.keepwatch.fs.LinuxLibc;
import java.io.IOException;
import java.util.Optional;

/**
 * Linux's inotify, eventfd, poll, read, write and close, called through JNA's direct mapping (a JNI call each, no
 * proxy), for {@link InotifyWatcher}. Only on 64-bit Linux ({@code size_t} is a Java {@code long} there). Loading
 * it can fail (another OS, JNA's native part cannot be unpacked, e.g. a noexec temp folder): {@link #unavailable}
 * says why, and the watches then use directory-watcher.
 */
final class Inotify {
    static final int IN_MODIFY = 0x2;
    static final int IN_ATTRIB = 0x4;
    static final int IN_MOVED_FROM = 0x40;
    static final int IN_MOVED_TO = 0x80;
    static final int IN_CREATE = 0x100;
    static final int IN_DELETE = 0x200;
    static final int IN_DELETE_SELF = 0x400;
    static final int IN_MOVE_SELF = 0x800;
    static final int IN_UNMOUNT = 0x2000;
    static final int IN_Q_OVERFLOW = 0x4000;
    static final int IN_IGNORED = 0x8000;
    static final int IN_ONLYDIR = 0x01000000;
    static final int IN_DONT_FOLLOW = 0x02000000;
    static final int IN_ISDIR = 0x40000000;
    static final int IN_NONBLOCK = 0x800;
    static final int IN_CLOEXEC = 0x80000;
    static final int EFD_CLOEXEC = 0x80000;
    static final short POLLIN = 0x1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EACCES = 13;
    static final int ENOENT = 2;
    static final int ENOTDIR = 20;
    static final int ENOSPC = 28;
    static final int EMFILE = 24;

    private static final String UNAVAILABLE = load();

    private Inotify() {
    }

    private static String load() {
        Optional<String> why = LinuxLibc.register(Inotify.class);
        if (why.isPresent()) {
            return why.get();
        }
        try {
            close(inotify_init1(IN_CLOEXEC)); // the kernel has inotify and we may make an instance
            return null;
        } catch (LinkageError | RuntimeException e) {
            return "JNA cannot call the C library (" + e + ")";
        }
    }

    /** Why this backend cannot be used here, or empty when it can. */
    static Optional<String> unavailable() {
        return Optional.ofNullable(UNAVAILABLE);
    }

    static native int inotify_init1(int flags) throws LastErrorException;

    /** {@code path}: the folder's bytes, NUL-terminated. */
    static native int inotify_add_watch(int fd, byte[] path, int mask) throws LastErrorException;

    static native int inotify_rm_watch(int fd, int wd) throws LastErrorException;

    static native int eventfd(int initval, int flags) throws LastErrorException;

    static native int poll(Pointer fds, long nfds, int timeout) throws LastErrorException;

    static native long read(int fd, Pointer buf, long count) throws LastErrorException;

    static native long write(int fd, Pointer buf, long count) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    /** A new inotify instance (non-blocking, closed on exec). */
    static int newInstance() throws IOException {
        try {
            return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException(e.getErrorCode() == EMFILE
                    ? "User limit of inotify instances reached or too many open files"
                    : "inotify_init1 failed: " + e.getMessage(), e);
        }
    }

    /**
     * What a failed {@code inotify_add_watch} means: the watch limit (ENOSPC) in the very words the JDK used, which
     * {@link WatchLimit#isLimit} recognises; otherwise the reason with the folder.
     */
    static IOException addWatchFailure(int errno, String folder) {
        if (errno == ENOSPC) {
            return new IOException(WatchLimit.LINUX_MESSAGE);
        }
        if (errno == ENOENT || errno == ENOTDIR) {
            return new java.nio.file.NoSuchFileException(folder, null, "vanished while being watched (errno " + errno + ")");
        }
        return new IOException("cannot watch '" + folder + "': inotify_add_watch failed with errno " + errno
                + (errno == EACCES ? " (permission denied)" : ""));
    }

    /** Closes {@code fd}, ignoring a failure (nothing is left to do about it). */
    static void closeQuietly(int fd) {
        if (fd >= 0) {
            try {
                close(fd);
            } catch (LastErrorException e) {
                // EBADF/EINTR on close: the descriptor is released either way on Linux.
            }
        }
    }
}
