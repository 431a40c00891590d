package io.keepwatch.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;

/**
 * Every filesystem operation the engine performs whose failure matters: reading a source file, writing and
 * syncing a temp file, moving files into place, syncing directories, and the folder and delete operations on the
 * backup root (which reach it only through {@link BackupRoot}). Production code uses {@link RealFs};
 * tests wrap it to inject faults (permission denied, disk full, a file vanishing) that cannot be provoked
 * for real when running as root.
 */
public interface Fs {

    /** Opens a source file for reading, never following a symbolic link. */
    SeekableByteChannel openSource(Path file) throws IOException;

    /**
     * Creates a new file for writing (and reading back); fails if anything, including a symbolic link, is already
     * there. The file is owner-only ({@code 0600}) from its creation where the filesystem has POSIX permission bits
     * (see {@link Modes}): a copy gets its source's mode only once it is complete.
     */
    FileChannel createNew(Path file) throws IOException;

    /** Makes a written file's content durable (fsync). */
    void syncFile(Path file) throws IOException;

    /** Makes a directory's entries durable (fsync on the directory), where the platform supports it. */
    void syncDirectory(Path dir) throws IOException;

    /**
     * Makes everything written to the filesystem holding {@code path} durable at once (Linux syncfs), for
     * batches where one flush is far cheaper than thousands of fsyncs. Returns false where this is not
     * available; the caller then syncs file by file.
     */
    boolean syncFileSystem(Path path) throws IOException;

    /** Renames {@code from} to {@code to}; fails with FileAlreadyExistsException rather than replace anything. */
    void moveNoReplace(Path from, Path to) throws IOException;

    /** Atomically replaces {@code to} with {@code from}, retrying while the platform refuses (Windows). */
    void replaceAtomically(Path from, Path to) throws IOException;

    /** Creates a hard link, or fails (UnsupportedOperationException or IOException) where links are not possible. */
    void createHardLink(Path link, Path existing) throws IOException;

    /** An identifier of the device holding {@code path}, where the platform exposes one. */
    Optional<String> deviceOf(Path path) throws IOException;

    /**
     * The device of {@code path}, whose attributes {@code attrs} were just read: where their file key holds the
     * device (Linux, macOS), without another system call. The same identifier as {@link #deviceOf(Path)}.
     */
    default Optional<String> deviceOf(Path path, java.nio.file.attribute.BasicFileAttributes attrs) throws IOException {
        return deviceOf(path);
    }

    /**
     * Creates one folder, owner-only ({@code 0700}, {@link Modes#createFolder}) until its user gives it its own mode;
     * fails if anything (a folder, a file, a link) is already there.
     */
    default void createDirectory(Path dir) throws IOException {
        Modes.createFolder(dir);
    }

    /** Deletes a file, a symbolic link (not its target) or an empty folder; fails if it is not there. */
    default void delete(Path path) throws IOException {
        Files.delete(path);
    }

    /** Deletes a file, a symbolic link (not its target) or an empty folder if it is there; whether it was. */
    default boolean deleteIfExists(Path path) throws IOException {
        return Files.deleteIfExists(path);
    }

    /** The attributes of {@code path} itself, never those of a link's target. */
    default BasicFileAttributes readAttributesNoFollow(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    /** The entries of a folder. */
    default DirectoryStream<Path> list(Path dir) throws IOException {
        return Files.newDirectoryStream(dir);
    }
}
