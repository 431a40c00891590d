package io.keepwatch.restore;

import io.keepwatch.engine.Progress;
import io.keepwatch.execute.Parallel;
import io.keepwatch.fs.Fs;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.hash.SparseWriter;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes selected contents from the backup root into a destination folder. Each file is copied to a temp
 * name in its final folder while being hashed (blocks of zeros left as holes, as in the backup), fsynced, compared with the hash state.json records, given
 * its mtime and permission bits, and only then renamed to its final name, so a final path never holds a
 * partial or wrong file. Nothing is written outside the destination: paths from state.json are checked
 * name by name, and folders are created without passing through a symbolic link found inside it. Reads
 * the backup root only; it takes no lock, so it runs beside a working keepwatch service.
 */
public final class Restorer {
    private static final Logger log = LoggerFactory.getLogger(Restorer.class);
    private static final int BUFFER = SparseWriter.BLOCK;
    static final String TEMP_PREFIX = ".keepwatch-restore-";

    private final BackupLayout layout;
    private final Fs fs;
    private final Progress progress;
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    private long tempCounter;

    public Restorer(BackupLayout layout, Fs fs, Progress progress) {
        this.layout = layout;
        this.fs = fs;
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
                if (ds.iterator().hasNext() && !overwrite) {
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
    public RestoreReport restore(List<Selection.Item> items, Path dir, boolean overwrite) {
        List<RestoreReport.Problem> problems = new ArrayList<>();
        Set<Path> verifiedDirs = new HashSet<>();
        Set<Path> touched = new LinkedHashSet<>();
        int restored = 0;
        long bytes = 0;
        progress.begin("restoring", items.stream().mapToLong(i -> i.entry().size()).sum());
        try {
            for (Selection.Item item : items) {
                try {
                    bytes += restoreOne(item, dir, overwrite, verifiedDirs, touched);
                    restored++;
                } catch (Refused e) {
                    problems.add(new RestoreReport.Problem(e.kind, item.target(), e.getMessage()));
                } catch (UnsafePathException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, item.target(), e.getMessage()));
                } catch (IOException | RuntimeException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, item.target(), Parallel.reason(e)));
                }
            }
        } finally {
            progress.end();
        }
        for (Path d : touched) {
            try {
                fs.syncDirectory(d);
            } catch (IOException e) {
                problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, BackupLayout.relative(dir, d),
                        "cannot make the folder durable: " + Parallel.reason(e)));
            }
        }
        problems.forEach(p -> log.debug("restore problem: {}", p));
        return new RestoreReport(restored, bytes, problems);
    }

    private long restoreOne(Selection.Item item, Path dir, boolean overwrite, Set<Path> verifiedDirs, Set<Path> touched)
            throws IOException, Refused, UnsafePathException {
        Timeline.Entry e = item.entry();
        Path target = SafeRel.resolve(dir, item.target(), "target '" + item.target() + "' of the " + e.describe());
        Path source = e.file(layout);
        HashAlgorithm algorithm = HashAlgorithm.ofStoredHash(e.hash()).orElseThrow(() -> new Refused(RestoreReport.Kind.FAILED,
                "state.json records the hash '" + e.hash() + "' of an unknown algorithm (known: " + HashAlgorithm.allowedNames() + ")"));
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(source, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException x) {
            throw new Refused(RestoreReport.Kind.MISSING, "the backup file " + rel(source) + " (" + e.describe()
                    + ") is missing from the backup root; nothing was written (see `keepwatch versions` for other copies)");
        }
        if (!attrs.isRegularFile()) {
            throw new Refused(RestoreReport.Kind.MISSING, "the backup file " + rel(source) + " (" + e.describe()
                    + ") is not a regular file" + (attrs.isSymbolicLink() ? " but a symbolic link" : "") + "; nothing was written");
        }
        ensureDir(target.getParent(), dir, verifiedDirs);
        Path temp = target.getParent().resolve(TEMP_PREFIX + ProcessHandle.current().pid() + "-" + (++tempCounter) + ".tmp");
        MessageDigest digest = algorithm.newDigest();
        long n = 0;
        try {
            try (SeekableByteChannel in = fs.openSource(source); FileChannel out = fs.createNew(temp)) {
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
            Files.setLastModifiedTime(temp, FileTime.from(e.mtime(), TimeUnit.NANOSECONDS));
            if (!e.perms().isEmpty()) {
                PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                if (view != null) {
                    view.setPermissions(PosixFilePermissions.fromString(e.perms()));
                }
            }
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
