package io.keepwatch.restore;

import io.keepwatch.engine.Progress;
import io.keepwatch.execute.Parallel;
import io.keepwatch.fs.BackupRoot;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.Modes;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.hash.SparseWriter;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes selected contents from the backup root into a destination folder. Each file is copied to a temp
 * file, owner-only, in the restore's own folder {@code DIR/.keepwatch-restore/} ({@code 0700}) while being hashed
 * (blocks of zeros left as holes, as in the backup), fsynced, compared with the hash state.json records, given
 * its mtime and permission bits, and only then renamed to its final name, so a final path never holds a
 * partial or wrong file and no folder of the user's ever holds a temp file.
 *
 * <p>An interrupted restore (killed, a power cut) leaves that folder behind, and at most a temp file in it: a restore
 * into the same {@code DIR} resumes. It empties the folder, and a file already at its target with the content
 * state.json records (same size, same hash) is not written again, only given its mtime and mode.
 *
 * <p>Nothing is written outside the destination: paths from state.json are checked name by name, and folders are
 * created without passing through a symbolic link found inside it. Reads the backup root only; it takes no lock,
 * so it runs beside a working keepwatch service.
 */
public final class Restorer {
    private static final Logger log = LoggerFactory.getLogger(Restorer.class);
    private static final int BUFFER = SparseWriter.BLOCK;
    /** The restore's own folder in {@code DIR}: temp files, and the sign of a restore that did not finish. */
    public static final String WORK_FOLDER = ".keepwatch-restore";
    /** A temp file of a restore: {@code <pid>-<n>.tmp}. */
    private static final Pattern TEMP_NAME = Pattern.compile("[0-9]+-[0-9]+\\.tmp");

    private final BackupLayout layout;
    private final Fs fs;
    /** The backup side: read only from inside the backup root, never through a link. */
    private final BackupRoot backup;
    private final Progress progress;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    private long tempCounter;

    public Restorer(BackupLayout layout, Fs fs, Progress progress) {
        this.layout = layout;
        this.fs = fs;
        this.backup = new BackupRoot(layout.root(), fs);
        this.progress = progress;
    }

    /**
     * Checks the destination and creates it: it may not lie inside a source or the backup root, nor hold
     * the backup root, and must be empty unless {@code overwrite}. Symbolic links in the given paths are
     * resolved before comparing. Returns the destination as an absolute, normalized path.
     */
    public static Path prepareDestination(Path dir, Collection<Path> sourceRoots, Path backupRoot, boolean overwrite)
            throws RestoreException, IOException {
        Path real = real(dir);
        Path realBackup = real(backupRoot);
        if (real.startsWith(realBackup)) {
            throw new RestoreException("refusing to restore into " + dir + ": it is inside the backup root " + backupRoot);
        }
        if (realBackup.startsWith(real)) {
            throw new RestoreException("refusing to restore into " + dir + ": it holds the backup root " + backupRoot);
        }
        for (Path source : sourceRoots) {
            if (real.startsWith(real(source))) {
                throw new RestoreException("refusing to restore into " + dir + ": it is inside the source folder " + source
                        + " (keepwatch would back the restored files up again); restore elsewhere and copy what you need");
            }
        }
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new RestoreException("refusing to restore into " + dir + ": it is not a folder");
            }
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(abs)) {
                if (ds.iterator().hasNext() && !overwrite && !Files.isDirectory(abs.resolve(WORK_FOLDER), LinkOption.NOFOLLOW_LINKS)) {
                    throw new RestoreException("refusing to restore into " + dir
                            + ": it is not empty (use --overwrite to replace files there that the restore also holds)");
                }
            }
        } else {
            Files.createDirectories(abs);
        }
        return abs;
    }

    /** {@code p} with every symbolic link in its existing part resolved; the missing rest appended as is. */
    static Path real(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        Deque<Path> missing = new ArrayDeque<>();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            missing.push(existing.getFileName());
            existing = existing.getParent();
        }
        Path out = existing == null ? abs.getRoot() : existing.toRealPath();
        while (!missing.isEmpty()) {
            out = out.resolve(missing.pop().toString());
        }
        return out;
    }

    /**
     * Restores every item into {@code dir} (which {@link #prepareDestination} checked). One file's failure
     * is reported and the rest go on. With {@code overwrite}, an existing file at a target is replaced.
     */
    public RestoreReport restore(List<Selection.Item> items, Path dir, boolean overwrite) throws IOException {
        return restore(items, List.of(), dir, overwrite);
    }

    /** The same, and then creates the empty {@code folders} with their permissions. */
    public RestoreReport restore(List<Selection.Item> items, List<Selection.Folder> folders, Path dir, boolean overwrite)
            throws IOException {
        List<RestoreReport.Problem> problems = new ArrayList<>();
        Set<Path> verifiedDirs = new HashSet<>();
        Set<Path> touched = new LinkedHashSet<>();
        int restored = 0;
        int alreadyThere = 0;
        long bytes = 0;
        Path work = openWorkFolder(dir);
        progress.begin("restoring", items.stream().mapToLong(i -> i.entry().size()).sum());
        try {
            for (Selection.Item item : items) {
                try {
                    long n = restoreOne(item, dir, work, overwrite, verifiedDirs, touched);
                    if (n < 0) {
                        alreadyThere++;
                    } else {
                        bytes += n;
                    }
                    restored++;
                } catch (Refused e) {
                    problems.add(new RestoreReport.Problem(e.kind, item.target(), e.getMessage()));
                } catch (UnsafePathException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, item.target(), e.getMessage()));
                } catch (io.keepwatch.fs.UnsafePathException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, item.target(),
                            "not read from the backup root: " + e.getFile() + " " + e.getReason() + "; nothing was written"));
                } catch (IOException | RuntimeException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, item.target(), Parallel.reason(e)));
                }
            }
        } finally {
            progress.end();
        }
        for (Selection.Folder f : folders) {
            try {
                Path target = SafeRel.resolve(dir, f.target(), "empty folder '" + f.target() + "'");
                ensureDir(target, dir, verifiedDirs);
                if (!f.perms().isEmpty() && Modes.posix(target)) {
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(f.perms()));
                }
                touched.add(target.getParent());
            } catch (UnsafePathException e) {
                problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, f.target(), e.getMessage()));
            } catch (IOException | IllegalArgumentException e) {
                problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, f.target(), Parallel.reason(e)));
            }
        }
        for (Path d : touched) {
            try {
                fs.syncDirectory(d);
            } catch (IOException e) {
                problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, BackupLayout.relative(dir, d),
                        "cannot make the folder durable: " + Parallel.reason(e)));
            }
        }
        // Every temp file was renamed or deleted: the folder is empty, and its going says the restore ran to its end.
        try {
            Files.delete(work);
            fs.syncDirectory(dir);
        } catch (IOException e) {
            log.warn("Cannot remove the restore's folder {} ({}); a restore into {} removes what it holds", work, Parallel.reason(e), dir);
        }
        problems.forEach(p -> log.debug("restore problem: {}", p));
        return new RestoreReport(restored, alreadyThere, bytes, problems);
    }

    /**
     * Makes {@code DIR/.keepwatch-restore/} owner-only, or empties the one an interrupted restore left (of the temp
     * files it holds; anything else there is an error, as is a symbolic link in its place).
     */
    private static Path openWorkFolder(Path dir) throws IOException {
        Path work = dir.resolve(WORK_FOLDER);
        try {
            Modes.createFolder(work);
            return work;
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(work, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileSystemException(work.toString(), null,
                        "is in the way of the restore's own folder (not a folder, or a symbolic link); move it away");
            }
        }
        Modes.restrict(work);
        int removed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(work)) {
            for (Path p : ds) {
                if (!TEMP_NAME.matcher(p.getFileName().toString()).matches()) {
                    throw new FileSystemException(p.toString(), null, "is not a temp file of keepwatch restore; move it away");
                }
                Files.delete(p);
                removed++;
            }
        }
        log.info("Resuming the restore into {}: removed {} unfinished temp file(s); files already restored are not written again",
                dir, removed);
        return work;
    }

    /**
     * Restores one file; returns the bytes written, or -1 when the file was already at its target with the right
     * content (an interrupted restore resumed, or {@code --overwrite} over the same file).
     */
    private long restoreOne(Selection.Item item, Path dir, Path work, boolean overwrite, Set<Path> verifiedDirs, Set<Path> touched)
            throws IOException, Refused, UnsafePathException {
        Timeline.Entry e = item.entry();
        Path target = SafeRel.resolve(dir, item.target(), "target '" + item.target() + "' of the " + e.describe());
        if (target.startsWith(work)) {
            throw new UnsafePathException(target.toString(), "lies in the restore's own folder " + WORK_FOLDER
                    + "; restore without --source (it then lands at DIR/<source>/" + WORK_FOLDER + ")");
        }
        Path source = e.file(layout);
        HashAlgorithm algorithm = HashAlgorithm.ofStoredHash(e.hash()).orElseThrow(() -> new Refused(RestoreReport.Kind.FAILED,
                "state.json records the hash '" + e.hash() + "' of an unknown algorithm (known: " + HashAlgorithm.allowedNames() + ")"));
        BasicFileAttributes attrs = backup.attributes(source).orElse(null);
        if (attrs == null) {
            throw new Refused(RestoreReport.Kind.MISSING, "the backup file " + rel(source) + " (" + e.describe()
                    + ") is missing from the backup root; nothing was written (see `keepwatch versions` for other copies)");
        }
        if (!attrs.isRegularFile()) {
            throw new Refused(RestoreReport.Kind.MISSING, "the backup file " + rel(source) + " (" + e.describe()
                    + ") is not a regular file" + (attrs.isSymbolicLink() ? " but a symbolic link" : "") + "; nothing was written");
        }
        ensureDir(target.getParent(), dir, verifiedDirs);
        if (alreadyThere(target, e, algorithm)) {
            setMetadata(target, e);
            progress.advance(e.size());
            return -1;
        }
        Path temp = work.resolve(ProcessHandle.current().pid() + "-" + (++tempCounter) + ".tmp");
        MessageDigest digest = algorithm.newDigest();
        long n = 0;
        try {
            try (SeekableByteChannel in = backup.openRead(source); FileChannel out = fs.createNew(temp)) {
                while (true) {
                    buffer.clear();
                    int r = in.read(buffer);
                    if (r < 0) {
                        break;
                    }
                    digest.update(buffer.array(), 0, r);
                    buffer.flip();
                    // A block of zeros stays a hole, as in the backup: a sparse file is restored sparse.
                    SparseWriter.write(out, buffer);
                    n += r;
                    progress.advance(r);
                }
                SparseWriter.finish(out, n);
                out.force(true);
            }
            String got = algorithm.format(digest.digest());
            if (!got.equals(e.hash())) {
                throw new Refused(RestoreReport.Kind.CORRUPT, "the backup file " + rel(source) + " (" + e.describe() + ") is corrupt: its "
                        + "content hashes to " + got + " (" + n + " bytes) but state.json records " + e.hash() + " (" + e.size()
                        + " bytes); nothing was written (see `keepwatch versions` for other copies)");
            }
            setMetadata(temp, e);
            if (overwrite) {
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileSystemException(target.toString(), null, "a folder is in the way; it was left as it is");
                }
                fs.replaceAtomically(temp, target);
            } else {
                fs.moveNoReplace(temp, target);
            }
        } catch (IOException | Refused | RuntimeException x) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException y) {
                x.addSuppressed(y);
            }
            throw x;
        }
        touched.add(target.getParent());
        return n;
    }

    /** Whether {@code target} is a regular file (not a link) with the size and hash state.json records for it. */
    private boolean alreadyThere(Path target, Timeline.Entry e, HashAlgorithm algorithm) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException x) {
            return false;
        }
        if (!a.isRegularFile() || a.size() != e.size()) {
            return false;
        }
        MessageDigest digest = algorithm.newDigest();
        try (SeekableByteChannel in = Files.newByteChannel(target, LinkOption.NOFOLLOW_LINKS)) {
            while (true) {
                buffer.clear();
                int r = in.read(buffer);
                if (r < 0) {
                    break;
                }
                digest.update(buffer.array(), 0, r);
            }
        }
        return algorithm.format(digest.digest()).equals(e.hash());
    }

    /** The recorded mtime and permission bits (where the filesystem has them), set without following a link. */
    private static void setMetadata(Path file, Timeline.Entry e) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(e.mtime(), TimeUnit.NANOSECONDS));
        if (!e.perms().isEmpty()) {
            PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (view != null) {
                view.setPermissions(PosixFilePermissions.fromString(e.perms()));
            }
        }
    }

    /** Creates {@code d} inside {@code root} as real folders; a symbolic link on the way is refused. */
    private static void ensureDir(Path d, Path root, Set<Path> verified) throws IOException, UnsafePathException {
        if (d.equals(root) || verified.contains(d)) {
            return;
        }
        if (!d.startsWith(root)) {
            throw new UnsafePathException(d.toString(), "is outside the destination " + root);
        }
        ensureDir(d.getParent(), root, verified);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(d, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            Files.createDirectory(d);
            verified.add(d);
            return;
        }
        if (a.isSymbolicLink()) {
            throw new UnsafePathException(d.toString(), "is a symbolic link inside the destination; refusing to write through it");
        }
        if (!a.isDirectory()) {
            throw new FileSystemException(d.toString(), null, "a file is in the way where a folder is needed");
        }
        verified.add(d);
    }

    private String rel(Path p) {
        return BackupLayout.relative(layout.root(), p);
    }

    /** A file that is not restored, for a reason that is not an I/O error. */
    private static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient RestoreReport.Kind kind;

        Refused(RestoreReport.Kind kind, String message) {
            super(message);
            this.kind = kind;
        }
    }
}
