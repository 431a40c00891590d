package io.keepwatch.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The production {@link Fs}: plain NIO calls, directory fsync where the OS supports it. */
public final class RealFs implements Fs {
    static final int REPLACE_ATTEMPTS = 8;
    /** Opening a source file locked by another process: 6 attempts, waiting 0.1, 0.2, 0.4, 0.8, 1.6 s between. */
    static final int OPEN_ATTEMPTS = 6;
    static final long OPEN_FIRST_DELAY_MS = 100;

    private final boolean directorySync;
    private final Sleeper sleeper;
    /** Whether `sync -f` (syncfs) worked so far; turned off after its first failure. */
    private volatile boolean syncfs;
    private final SourceOpener opener;
    private final Replacer replacer;

    /** How a source file is opened; a seam so tests can make the open fail the way Windows does. */
    @FunctionalInterface
    interface SourceOpener {
        SeekableByteChannel open(Path file) throws IOException;
    }

    /** How a file is atomically replaced; a seam so tests can make Windows' refusal happen. */
    @FunctionalInterface
    interface Replacer {
        void replace(Path from, Path to) throws IOException;
    }

    /**
     * @param directorySync whether directories can be opened and fsynced (true on Linux and macOS with the
     *     default filesystem; false on Windows, which cannot open a directory, and on in-memory filesystems)
     */
    public RealFs(boolean directorySync, Sleeper sleeper) {
        this(directorySync, sleeper,
                file -> Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS),
                (from, to) -> Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING));
    }

    RealFs(boolean directorySync, Sleeper sleeper, SourceOpener opener, Replacer replacer) {
        this.directorySync = directorySync;
        this.sleeper = sleeper;
        this.opener = opener;
        this.replacer = replacer;
        this.syncfs = directorySync && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).equals("linux");
    }

    /** The right settings for a filesystem: directory sync only on the default filesystem of a POSIX OS. */
    public static RealFs forFileSystem(FileSystem fileSystem) {
        boolean posixDefault = fileSystem == FileSystems.getDefault()
                && !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        return new RealFs(posixDefault, Sleeper.REAL);
    }

    /**
     * Opens a source file, never following a symbolic link. On Windows a file that another process opened
     * without sharing (an Office document being saved, a database, an antivirus scan) cannot be opened: that
     * sharing violation is usually over within a second or two, so the open is retried with backoff before
     * the failure (with the path and Windows' reason) goes to the caller, which logs it and tries again at
     * the next pass.
     */
    @Override
    public SeekableByteChannel openSource(Path file) throws IOException {
        long delayMs = OPEN_FIRST_DELAY_MS;
        for (int attempt = 1; ; attempt++) {
            try {
                return opener.open(file);
            } catch (FileSystemException e) {
                if (!isSharingViolation(e) || attempt >= OPEN_ATTEMPTS) {
                    throw e;
                }
                Log.LOG.warn("{} is locked by another process ({}); retrying in {} ms", file, e.getReason(), delayMs);
                sleeper.sleep(delayMs);
                delayMs *= 2;
            }
        }
    }

    /**
     * Whether an exception is Windows' ERROR_SHARING_VIOLATION (32) or ERROR_LOCK_VIOLATION (33). Java reports
     * both as a plain FileSystemException whose reason is Windows' own message text (FormatMessage), e.g.
     * "The process cannot access the file because it is being used by another process."; there is no error
     * code to test. The text is Windows' English one; on a Windows installed in another language the message
     * is translated and the open is not retried (the file is then retried at the next pass), nor is a refused
     * replace ({@link #replaceAtomically}) unless Java reports it as access denied.
     */
    static boolean isSharingViolation(FileSystemException e) {
        if (e instanceof AccessDeniedException || e instanceof NoSuchFileException
                || e.getReason() == null) {
            return false;
        }
        String reason = e.getReason().toLowerCase(Locale.ROOT);
        return reason.contains("being used by another process")
                || reason.contains("another process has locked a portion of the file");
    }

    private static final java.util.Set<StandardOpenOption> CREATE_NEW = java.util.EnumSet.of(
            StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);

    @Override
    public FileChannel createNew(Path file) throws IOException {
        return FileChannel.open(file, CREATE_NEW, Modes.ownerOnlyFile(file));
    }

    /**
     * One {@code utimensat} on Linux ({@link LinuxCalls}), not following a link, where the JDK opens the file, sets
     * its times and closes it; the JDK's way elsewhere.
     */
    @Override
    public void setFileTimes(Path path, FileTime lastModified, FileTime lastAccess) throws IOException {
        Optional<byte[]> name = LinuxCalls.unavailable().isEmpty() ? FileNames.rawBytes(path) : Optional.empty();
        if (name.isPresent()) {
            LinuxCalls.setTimes(path, name.get(), lastModified, lastAccess);
        } else {
            Fs.super.setFileTimes(path, lastModified, lastAccess);
        }
    }

    @Override
    public void syncFile(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        if (!directorySync) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    @Override
    public boolean syncFileSystem(Path path) throws IOException {
        if (!syncfs) {
            return false;
        }
        // coreutils' `sync --file-system` is syncfs(2): one call flushes every dirty page and the journal of
        // that filesystem, as `sync` after rsync does. Java has no syncfs of its own.
        Process p = new ProcessBuilder("sync", "-f", path.toString()).redirectErrorStream(true).start();
        String out;
        try (var in = p.getInputStream()) {
            out = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
        }
        try {
            int code = p.waitFor();
            if (code == 0) {
                return true;
            }
            Log.LOG.warn("`sync -f {}` failed ({}: {}); syncing file by file from now on", path, code, out);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while syncing " + path);
        }
        syncfs = false;
        return false;
    }

    @Override
    public void moveNoReplace(Path from, Path to) throws IOException {
        // Without REPLACE_EXISTING, Files.move refuses an existing target (FileAlreadyExistsException);
        // within one filesystem it is a rename. keepwatch is the only writer (see BackupLock).
        Files.move(from, to);
    }

    /**
     * Replaces {@code to} by {@code from} in one rename. Windows refuses to replace a file that another process
     * (an indexer, a virus scanner, a backup tool) holds open, as access denied or as a sharing violation
     * ({@link #isSharingViolation}, the same test as {@link #openSource}); either is retried with backoff
     * (10 ms doubling, {@link #REPLACE_ATTEMPTS} attempts) before the failure goes to the caller. Other
     * failures are not retried.
     */
    @Override
    public void replaceAtomically(Path from, Path to) throws IOException {
        long delayMs = 10;
        for (int attempt = 1; ; attempt++) {
            try {
                replacer.replace(from, to);
                return;
            } catch (FileSystemException e) {
                boolean heldOpen = e instanceof AccessDeniedException || isSharingViolation(e);
                if (!heldOpen || attempt >= REPLACE_ATTEMPTS) {
                    throw e;
                }
                Log.LOG.warn("Replacing {} was refused ({}); retrying in {} ms", to, e.getMessage(), delayMs);
                sleeper.sleep(delayMs);
                delayMs *= 2;
            }
        }
    }

    @Override
    public void createHardLink(Path link, Path existing) throws IOException {
        Files.createLink(link, existing);
    }

    @Override
    public Optional<String> deviceOf(Path path) throws IOException {
        if (!path.getFileSystem().supportedFileAttributeViews().contains("unix")) {
            return Optional.empty();
        }
        Object dev = Files.getAttribute(path, "unix:dev");
        return Optional.of(String.valueOf(dev));
    }

    /** The JDK's file key on Unix reads {@code (dev=fe00,ino=2)}: the device in hex, as unix:dev gives it in decimal. */
    @Override
    public Optional<String> deviceOf(Path path, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
        Object key = attrs.fileKey();
        String text = key == null ? "" : key.toString();
        int comma = text.indexOf(',');
        if (text.startsWith("(dev=") && comma > 5) {
            try {
                return Optional.of(Long.toString(Long.parseUnsignedLong(text.substring(5, comma), 16)));
            } catch (NumberFormatException e) {
                // Not the form expected: ask for it.
            }
        }
        return deviceOf(path);
    }

    /**
     * The logger, bound on first use rather than when a RealFs is made: keepwatch once makes one, and starts
     * its scans with it, before logging is set up.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(RealFs.class);
    }
}
