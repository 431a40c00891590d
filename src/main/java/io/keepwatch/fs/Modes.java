package io.keepwatch.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The permission bits of what keepwatch creates (the model is in docs/security.md, "Who can read the backup"):
 * every file and folder is made owner-only from the first byte ({@code 0600}, {@code 0700}: the mode is given to
 * {@code open}/{@code mkdir} itself, so no umask and no later {@code chmod} decides it), and only when complete does
 * a copy take its source's mode. keepwatch's own files (state, journal, status, lock, logs) stay owner-only.
 *
 * <p>Where a filesystem has no POSIX permission bits (Windows, FAT), nothing here changes anything: a new file or
 * folder inherits the ACL of the folder it is made in, so the backup is as private as the backup root's ACL.
 */
public final class Modes {
    public static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    public static final Set<PosixFilePermission> OWNER_ONLY_FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<?>[] NONE = new FileAttribute<?>[0];
    private static final FileAttribute<?>[] FILE = {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)};
    private static final FileAttribute<?>[] FOLDER = {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FOLDER)};
    private static final Set<PosixFilePermission> GROUP_AND_OTHERS = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private Modes() {
    }

    /** Whether the filesystem holding {@code p} has POSIX permission bits. */
    public static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** Attributes that make a new file owner-only ({@code 0600}) at its creation; none where there are no POSIX bits. */
    public static FileAttribute<?>[] ownerOnlyFile(Path p) {
        return posix(p) ? FILE : NONE;
    }

    /** Attributes that make a new folder owner-only ({@code 0700}) at its creation; none where there are no POSIX bits. */
    public static FileAttribute<?>[] ownerOnlyFolder(Path p) {
        return posix(p) ? FOLDER : NONE;
    }

    /** Creates the folder {@code dir}, owner-only from the start ({@code FileAlreadyExistsException} if anything is there). */
    public static void createFolder(Path dir) throws IOException {
        Files.createDirectory(dir, ownerOnlyFolder(dir));
    }

    /**
     * Like {@code mkdir -p -m 700}: the missing parents of {@code dir} are made as {@link Files#createDirectories}
     * makes them (the process's default mode: they are the user's folders), {@code dir} itself owner-only.
     * An existing {@code dir} is left as it is.
     */
    public static void createFolders(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            return;
        }
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        try {
            createFolder(abs);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) {
                throw e;
            }
        }
    }

    /**
     * Opens a file of keepwatch's own for writing ({@code options} as for {@link FileChannel#open}, CREATE among them):
     * a new file is owner-only from its first byte; an existing one (from a version of keepwatch that made it with
     * the umask's mode) is made owner-only first.
     */
    public static FileChannel openPrivate(Path file, OpenOption... options) throws IOException {
        restrict(file);
        return FileChannel.open(file, Set.of(options), ownerOnlyFile(file));
    }

    /** Writes {@code bytes} to {@code file} (created owner-only, or truncated and made owner-only). */
    public static void writePrivate(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = openPrivate(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    /**
     * Takes every group and other bit off a file or folder of keepwatch's own (never through a symbolic link);
     * nothing where it is missing or has no POSIX bits. Returns whether the mode changed.
     */
    public static boolean restrict(Path p) throws IOException {
        Optional<PosixFileAttributes> a = attributes(p);
        if (a.isEmpty() || a.get().isSymbolicLink()) {
            return false;
        }
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        perms.addAll(a.get().permissions());
        if (!perms.removeAll(GROUP_AND_OTHERS)) {
            return false;
        }
        view(p).setPermissions(perms);
        return true;
    }

    /**
     * Gives the folder {@code dir} the permission bits {@code perms}, if it has others (one read, and a write only
     * when they differ; never through a symbolic link: a link in the way fails). Nothing where {@code dir} is gone
     * or is no folder, or where there are no POSIX bits. Returns whether the mode changed. This is how a folder of
     * the backup takes its source folder's mode once it is filled (and how a restored folder could take its own).
     */
    public static boolean setFolderMode(Path dir, Set<PosixFilePermission> perms) throws IOException {
        Optional<PosixFileAttributes> a = attributes(dir);
        if (a.isEmpty() || !a.get().isDirectory() || a.get().permissions().equals(perms)) {
            return false;
        }
        view(dir).setPermissions(perms);
        return true;
    }

    /**
     * {@code perms} with every owner bit added: what a folder of the backup gets, so that keepwatch (its owner) can
     * still add and remove entries in it when the source folder is read-only ({@code 0555}, as Go's module cache).
     */
    public static Set<PosixFilePermission> withOwnerFull(Set<PosixFilePermission> perms) {
        Set<PosixFilePermission> out = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        out.addAll(perms);
        return out;
    }

    /**
     * The POSIX attributes of {@code p}, not following a final symbolic link unless {@code follow}; empty where
     * it is missing or the filesystem has no POSIX bits.
     */
    public static Optional<PosixFileAttributes> attributes(Path p, boolean follow) throws IOException {
        if (!posix(p)) {
            return Optional.empty();
        }
        try {
            return Optional.of(follow ? Files.readAttributes(p, PosixFileAttributes.class)
                    : Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static Optional<PosixFileAttributes> attributes(Path p) throws IOException {
        return attributes(p, false);
    }

    /** The view that changes the bits of {@code p} itself: it refuses (ELOOP) rather than change a link's target. */
    private static PosixFileAttributeView view(Path p) {
        return Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    }
}
