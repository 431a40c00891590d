package io.keepwatch.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;

/**
 * Every filesystem operation the engine performs whose failure matters: reading a source file, writing and
 * syncing a temp file, moving files into place, syncing directories, the folder and delete operations on the
 * backup root (which reach it only through {@link BackupRoot}), and reading, listing, deleting and stamping the
 * engine's own files there (state, journal, change log, guard files, copies' times and modes). Production code uses {@link RealFs};
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

    /**
     * Like {@code mkdir -p -m 700} ({@link Modes#createFolders}): the missing parents of {@code dir} with the
     * process's default mode, {@code dir} itself owner-only; nothing if it is there.
     */
    default void createFolders(Path dir) throws IOException {
        Modes.createFolders(dir);
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

    /** Opens a file keepwatch wrote (state, journal, change log, guard files, a copy) for reading, never through a link. */
    default InputStream newInputStream(Path file) throws IOException {
        return Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
    }

    /** Opens an existing file for writing at any position (appending to the change log); creates nothing. */
    default FileChannel openWrite(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.WRITE);
    }

    /**
     * Sets the modification and access times of {@code path} (a file keepwatch just created, never a link). Both are
     * given, so the file's own times are not read first (as setting one alone does).
     */
    default void setFileTimes(Path path, FileTime lastModified, FileTime lastAccess) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class).setTimes(lastModified, lastAccess, null);
    }

    /** Sets the POSIX permission bits of {@code path}; nothing where the filesystem has none. */
    default void setPermissions(Path path, Set<PosixFilePermission> perms) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        if (view != null) {
            view.setPermissions(perms);
        }
    }

    /** Copies a file (a link itself, not its target) with its attributes to {@code to}, which must not exist. */
    default void copy(Path from, Path to) throws IOException {
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }

    // Derived operations, built on the ones above (so a test that makes those fail makes these fail; wrappers
    // override the primitives, not these).

    /** The whole content of a file, read through {@link #newInputStream}. */
    default byte[] readAllBytes(Path file) throws IOException {
        try (InputStream in = newInputStream(file)) {
            return in.readAllBytes();
        }
    }

    /** Whether a folder (not a link to one) is at {@code path}; false when nothing is. Other failures are thrown. */
    default boolean isDirectory(Path path) throws IOException {
        Optional<BasicFileAttributes> a = attributesIfExists(path);
        return a.isPresent() && a.get().isDirectory();
    }

    /** Whether a regular file (not a link to one) is at {@code path}; false when nothing is. */
    default boolean isRegularFile(Path path) throws IOException {
        Optional<BasicFileAttributes> a = attributesIfExists(path);
        return a.isPresent() && a.get().isRegularFile();
    }

    /** Whether anything (a link included) is at {@code path}. */
    default boolean exists(Path path) throws IOException {
        return attributesIfExists(path).isPresent();
    }

    /** The size of the file {@code path}. */
    default long size(Path path) throws IOException {
        return readAttributesNoFollow(path).size();
    }

    /**
     * {@link #readAttributesNoFollow}, empty when nothing is there: a folder on its way is missing, or is a file
     * (ENOTDIR: {@code _deleted/src/x/inner.txt} when {@code _deleted/src/x} is a deleted file, which the
     * deleted-file naming asks about). Unlike {@code Files.exists}, any other failure (permission denied, an I/O
     * error) is thrown.
     */
    default Optional<BasicFileAttributes> attributesIfExists(Path path) throws IOException {
        try {
            return Optional.of(readAttributesNoFollow(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (java.nio.file.AccessDeniedException e) {
            throw e;
        } catch (java.nio.file.FileSystemException e) {
            // The JDK reports ENOTDIR as a plain FileSystemException with a (localised) reason text: rather than
            // match the text, look for an existing non-folder on the way.
            for (Path up = path.getParent(); up != null; up = up.getParent()) {
                Optional<BasicFileAttributes> a;
                try {
                    a = Optional.of(readAttributesNoFollow(up));
                } catch (java.nio.file.AccessDeniedException denied) {
                    throw e;
                } catch (java.nio.file.FileSystemException further) {
                    continue;   // missing, or itself under a file: look further up
                }
                if (!a.get().isDirectory()) {
                    return Optional.empty();
                }
                break;
            }
            throw e;
        }
    }
}
