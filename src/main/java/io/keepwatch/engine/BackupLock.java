package io.keepwatch.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import io.keepwatch.fs.Modes;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes sure only one keepwatch process writes to a backup root. The lock is an OS file lock on
 * {@code .keepwatch/lock}, which also holds the owner's PID for the message; the OS releases it when the
 * process dies in any way, so a lock left by a killed process is never in the way. The file is owner-only.
 */
public final class BackupLock implements AutoCloseable {
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

    private static String readOwner(Path lockFile) {
        try {
            String pid = Files.readString(lockFile, StandardCharsets.US_ASCII).trim();
            return pid.isEmpty() ? "" : " (PID " + pid + ")";
        } catch (IOException e) {
            return "";
        }
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
