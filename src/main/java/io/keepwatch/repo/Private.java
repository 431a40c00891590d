package io.keepwatch.repo;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and folders that only their owner may read: 0600 and 0700 from creation (not chmod-ed after, which
 * would leave a window), on filesystems that know POSIX permissions; elsewhere the platform's defaults.
 */
final class Private {
    private static final FileAttribute<?> FILE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> DIR = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private Private() {
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** A new file (fails if it exists), open for writing. */
    static FileChannel createFile(Path file) throws IOException {
        Set<StandardOpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return posix(file) ? FileChannel.open(file, opts, FILE) : FileChannel.open(file, opts);
    }

    /** Writes a new file whole, synced; refuses an existing one. */
    static void writeNew(Path file, byte[] data) throws IOException {
        try (FileChannel ch = createFile(file)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        syncDir(file.toAbsolutePath().getParent());
    }

    /** Replaces {@code file} by a synced temp file renamed over it. */
    static void replace(Path file, byte[] data) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = createFile(temp)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
        syncDir(file.toAbsolutePath().getParent());
    }

    /** Makes {@code dir} and its missing parents up to {@code root} as private folders; a symbolic link on the way is refused. */
    static void ensureDir(Path root, Path dir) throws IOException {
        if (dir.equals(root) || !dir.startsWith(root)) {
            if (!dir.startsWith(root)) {
                throw new FileSystemException(dir.toString(), null, "is outside " + root);
            }
            return;
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            ensureDir(root, dir.getParent());
            try {
                if (posix(dir)) {
                    Files.createDirectory(dir, DIR);
                } else {
                    Files.createDirectory(dir);
                }
            } catch (FileAlreadyExistsException made) {
                // made meanwhile by another writer: checked below
            }
            a = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        if (!a.isDirectory()) {
            throw new FileSystemException(dir.toString(), null, a.isSymbolicLink()
                    ? "is a symbolic link; refusing to write through it" : "is in the way: a file where a folder is needed");
        }
    }

    /** Makes a top folder (e.g. a repository or a cache) private, creating it and its parents if needed. */
    static void ensureTop(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            Path parent = abs.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                if (posix(abs)) {
                    Files.createDirectory(abs, DIR);
                } else {
                    Files.createDirectory(abs);
                }
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(abs)) {
                    throw e;
                }
            }
        }
    }

    /** fsync of a folder, so a rename or link in it survives a crash; a filesystem that cannot do it is skipped. */
    static void syncDir(Path dir) {
        if (dir == null || dir.getFileSystem() != java.nio.file.FileSystems.getDefault()) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some filesystems (and Windows) refuse to open or sync a folder; the rename is then as durable as they make it.
        }
    }
}
