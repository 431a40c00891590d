package io.keepwatch.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The backup root as the one door to everything under it: every command that copies, moves, links, deletes,
 * makes folders in or reads from the backup root does it through here (and its {@link Fs}, so tests can make any
 * of it fail). Each operation first checks that its paths lie strictly inside the root, that no name below the
 * root is {@code .} or {@code ..}, and that every folder from the root down to the file is a real folder, not a
 * symbolic link (or a file); a final name that is a symbolic link is never followed (files are opened, created,
 * renamed and linked without following it). A path that fails is refused with an {@link UnsafePathException}
 * naming it and the reason, before anything is changed.
 *
 * <p>Names read from disk become paths through {@link RelPath#resolve}, which refuses {@code ..}, absolute and
 * drive-letter forms, NUL and empty names.
 *
 * <p>Cost: folders found real are remembered, so a batch of thousands of files in one folder checks it once (one
 * {@code lstat} per folder, none per file). The memory is per instance: the engine makes a new one per batch
 * ({@code Executor}) or forgets at the start of each pass ({@code StagingArea}), so a link planted between passes is
 * found. A link swapped in for a folder by someone racing keepwatch between the check and the operation is not
 * (see docs/security.md). Safe to share between threads.
 */
public final class BackupRoot {
    private final Path root;
    private final int depth;
    private final Fs fs;
    private final Set<Path> verified = ConcurrentHashMap.newKeySet();

    public BackupRoot(Path root, Fs fs) {
        this.root = root;
        this.depth = root.getNameCount();
        this.fs = fs;
    }

    public Path root() {
        return root;
    }

    public Fs fs() {
        return fs;
    }

    /** {@code base} (the root or a folder inside it) resolved with a relative path read from disk; see {@link RelPath}. */
    public Path resolve(Path base, String rel) throws UnsafePathException {
        return RelPath.resolve(base, rel);
    }

    /**
     * Checks that {@code path} lies strictly inside the root and that every folder on its way is a real folder;
     * returns it. NoSuchFileException when a folder on the way is missing.
     */
    public Path check(Path path) throws IOException {
        inside(path);
        folders(path.getParent(), false);
        return path;
    }

    /**
     * Makes {@code dir} and the folders on its way as real folders (never through a link); nothing if they are. A
     * folder it makes is owner-only until its user gives it its own mode ({@code FolderModes}, once filled).
     */
    public void mkdirs(Path dir) throws IOException {
        if (!dir.equals(root)) {
            inside(dir);
            folders(dir, true);
        }
    }

    /** Creates a new file to write (never through a link: a link already at {@code file} makes it fail). */
    public FileChannel createNew(Path file) throws IOException {
        return fs.createNew(check(file));
    }

    /** Opens a file of the backup root for reading, never following a symbolic link. */
    public SeekableByteChannel openRead(Path file) throws IOException {
        return fs.openSource(check(file));
    }

    /** The attributes of {@code path} itself; empty when it, or a folder on its way, is missing. */
    public Optional<BasicFileAttributes> attributes(Path path) throws IOException {
        try {
            return Optional.of(fs.readAttributesNoFollow(check(path)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether something other than a symbolic link is at {@code path}: false when nothing is; an
     * {@link UnsafePathException} when a symbolic link is (keepwatch never made it, so it acts on nothing there).
     */
    public boolean exists(Path path) throws IOException {
        Optional<BasicFileAttributes> a = attributes(path);
        if (a.isPresent() && a.get().isSymbolicLink()) {
            throw new UnsafePathException(path.toString(), "is a symbolic link inside the backup root; keepwatch does not touch it");
        }
        return a.isPresent();
    }

    /** Renames {@code from} to {@code to}, replacing nothing. */
    public void moveNoReplace(Path from, Path to) throws IOException {
        fs.moveNoReplace(check(from), check(to));
    }

    /** Atomically replaces {@code to} (the name itself, even if it is a link) with {@code from}. */
    public void replace(Path from, Path to) throws IOException {
        fs.replaceAtomically(check(from), check(to));
    }

    /** Makes {@code link} a hard link to the file {@code existing}, which may not be a symbolic link. */
    public void hardLink(Path link, Path existing) throws IOException {
        exists(existing); // some systems' link() follows a link at `existing`
        fs.createHardLink(check(link), existing);
    }

    /** Deletes a file or an empty folder (a link itself, never its target). */
    public void delete(Path path) throws IOException {
        fs.delete(check(path));
        verified.remove(path);
    }

    /** {@link #delete}, if it is there; whether it was. */
    public boolean deleteIfExists(Path path) throws IOException {
        try {
            check(path);
        } catch (NoSuchFileException e) {
            return false;
        }
        boolean deleted = fs.deleteIfExists(path);
        verified.remove(path);
        return deleted;
    }

    /** The entries of the real folder {@code dir} (the root or a folder inside it). */
    public DirectoryStream<Path> list(Path dir) throws IOException {
        if (!dir.equals(root)) {
            inside(dir);
            folders(dir, false);
        }
        return fs.list(dir);
    }

    /** Forgets what was checked at and under {@code dir} (removed, or to be looked at afresh). */
    public void forget(Path dir) {
        verified.removeIf(p -> p.startsWith(dir));
    }

    /** Forgets every folder checked so far: the next operations look at each afresh. */
    public void forgetAll() {
        verified.clear();
    }

    private void inside(Path path) throws UnsafePathException {
        if (path.getNameCount() <= depth || !path.startsWith(root)) {
            throw new UnsafePathException(path.toString(), "is not inside the backup root " + root);
        }
        dots(path);
    }

    private static void dots(Path path) throws UnsafePathException {
        Path name = path.getFileName();
        String n = name == null ? "" : name.toString();
        if (n.equals("..") || n.equals(".")) {
            throw new UnsafePathException(path.toString(), "'" + n + "' in path");
        }
    }

    /** Checks (and with {@code make}, makes) every folder from the root down to {@code dir}. */
    private void folders(Path dir, boolean make) throws IOException {
        if (dir.getNameCount() <= depth || verified.contains(dir)) {
            return;
        }
        folders(dir.getParent(), make);
        dots(dir);
        BasicFileAttributes attrs;
        try {
            attrs = fs.readAttributesNoFollow(dir);
        } catch (NoSuchFileException e) {
            if (!make) {
                throw e;
            }
            try {
                fs.createDirectory(dir);
                verified.add(dir);
                return;
            } catch (FileAlreadyExistsException made) {
                // Made meanwhile (by another thread): checked below like any folder found.
                attrs = fs.readAttributesNoFollow(dir);
            }
        }
        if (attrs.isSymbolicLink()) {
            throw new UnsafePathException(dir.toString(),
                    "is a symbolic link inside the backup root; keepwatch never goes through one");
        }
        if (!attrs.isDirectory()) {
            throw new FileSystemException(dir.toString(), null, "is in the way: a file where a folder is needed");
        }
        verified.add(dir);
    }
}
