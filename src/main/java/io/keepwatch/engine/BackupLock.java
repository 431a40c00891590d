package io.keepwatch.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import io.keepwatch.fs.Modes;
import io.keepwatch.fs.NameNumbers;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * Makes sure only one keepwatch process writes to a backup root. The lock is an OS file lock on
 * {@code .keepwatch/lock}, which also holds the owner's PID for the message; the OS releases it when the
 * process dies in any way, so a lock left by a killed process is never in the way. The file is owner-only.
 */
public final class BackupLock implements AutoCloseable {
    /** A PID and its newline: 19 digits at most. */
    private static final int OWNER_BYTES = 20;
    private final FileChannel channel;
    private final FileLock lock;

    private BackupLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    public static BackupLock acquire(Path lockFile, Path backupRoot) throws IOException, LockedException {
        FileChannel ch = Modes.openPrivate(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String owner = readOwner(lockFile);
            ch.close();
            throw new LockedException("another keepwatch process" + owner + " is already using the backup root " + backupRoot
                    + "; stop it first (two writers would corrupt the backup)");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new BackupLock(ch, lock);
    }

    /**
     * The PID the holder wrote, for the message: the file is read as untrusted (at most a few bytes, and shown only if
     * they are a PID as written here), so a planted or damaged lock file cannot flood or forge the message.
     */
    static String readOwner(Path lockFile) {
        byte[] head;
        try (java.io.InputStream in = Files.newInputStream(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            head = in.readNBytes(OWNER_BYTES + 1);
        } catch (IOException e) {
            return "";
        }
        String text = new String(head, StandardCharsets.US_ASCII);
        OptionalLong pid = head.length <= OWNER_BYTES
                ? NameNumbers.positive(text.endsWith("\n") ? text.substring(0, text.length() - 1) : text, Long.MAX_VALUE)
                : OptionalLong.empty();
        return pid.isPresent() ? " (PID " + pid.getAsLong() + ")" : "";
    }

    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
