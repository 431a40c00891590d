package io.keepwatch.repo;

import io.keepwatch.engine.Progress;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.restore.RestoreReport;
import io.keepwatch.restore.Restorer;
import io.keepwatch.restore.SafeRel;
import io.keepwatch.restore.Selection;
import io.keepwatch.restore.Timeline;
import io.keepwatch.restore.UnsafePathException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes contents selected from a snapshot (see {@link Selection}) into a destination folder: each file's chunks
 * are read from the repository (each opened and checked against its id) into a private temp file in the
 * restore's own folder {@code DIR/.keepwatch-restore/} (0700, as the local restore), the whole is checked against the hash the snapshot records, given its mtime and permission
 * bits, synced and only then renamed to its name. Targets are checked name by name ({@link SafeRel}) and
 * folders are made without passing through a symbolic link, so nothing is written outside the destination.
 */
public final class RepoRestorer {
    private final Repository repo;
    private final Map<String, List<String>> chunksByHash;
    private final Progress progress;
    private long tempCounter;

    private final io.keepwatch.state.BackupState state;

    private RepoRestorer(Repository repo, Trees.Loaded loaded, Progress progress) {
        this.repo = repo;
        this.state = loaded.state();
        this.chunksByHash = loaded.chunksByHash();
        this.progress = progress;
    }

    /** A restorer for one snapshot: its trees are read (and checked) now. */
    public static RepoRestorer of(Repository repo, Snapshot snapshot, Path destination, Progress progress)
            throws IOException, RepoException {
        return new RepoRestorer(repo, Trees.read(repo, snapshot.hashAlgorithm(), snapshot.roots(), destination), progress);
    }

    /** The state the snapshot describes: what {@link Selection#select} chooses from. */
    public io.keepwatch.state.BackupState state() {
        return state;
    }

    /**
     * Checks and creates the destination folder: new, or empty unless {@code overwrite}. (The local restore's
     * check also keeps the destination out of the sources and the backup root; on a new machine there are none.)
     */
    public static Path prepareDestination(Path dir, boolean overwrite) throws IOException, io.keepwatch.restore.RestoreException {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new io.keepwatch.restore.RestoreException("refusing to restore into " + dir + ": it is not a folder");
            }
            try (var ds = Files.newDirectoryStream(abs)) {
                if (ds.iterator().hasNext() && !overwrite
                        && !Files.isDirectory(abs.resolve(Restorer.WORK_FOLDER), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new io.keepwatch.restore.RestoreException("refusing to restore into " + dir
                            + ": it is not empty (use --overwrite to replace files there that the restore also holds)");
                }
            }
        } else {
            Files.createDirectories(abs);
        }
        return abs;
    }

    /** Writes the files {@code items}, then creates the empty {@code folders} ({@link Selection#folders}) with their permission bits. */
    public RestoreReport restore(List<Selection.Item> items, List<Selection.Folder> folders, Path dir, boolean overwrite) {
        List<RestoreReport.Problem> problems = new ArrayList<>();
        int restored = 0;
        long bytes = 0;
        // Temp files an interrupted restore into the same folder left behind (only names this class makes).
        try (var ds = Files.newDirectoryStream(dir.resolve(Restorer.WORK_FOLDER), "[0-9]*-[0-9]*.tmp")) {
            for (Path p : ds) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(p);
                }
            }
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
            // no leftovers
        } catch (IOException e) {
            problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, Restorer.WORK_FOLDER, "cannot clear it: " + e.getMessage()));
        }
        progress.begin("restoring", items.stream().mapToLong(i -> i.entry().size()).sum());
        try {
            for (Selection.Item item : items) {
                try {
                    bytes += restoreOne(item, dir, overwrite);
                    restored++;
                } catch (UnsafePathException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, item.target(), e.getMessage()));
                } catch (RepoException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.CORRUPT, item.target(), e.getMessage()));
                } catch (IOException | RuntimeException e) {
                    problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, item.target(),
                            e.getMessage() == null ? e.toString() : e.getMessage()));
                }
            }
        } finally {
            progress.end();
        }
        for (Selection.Folder f : folders) {
            try {
                makeEmptyFolder(f, dir);
            } catch (UnsafePathException e) {
                problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, f.target(), e.getMessage()));
            } catch (IOException | IllegalArgumentException e) {
                problems.add(new RestoreReport.Problem(RestoreReport.Kind.FAILED, f.target(),
                        e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        }
        try {
            Files.deleteIfExists(dir.resolve(Restorer.WORK_FOLDER));
        } catch (IOException e) {
            // not empty (a temp file could not be removed) or unremovable: left for the next restore into dir
        }
        return new RestoreReport(restored, 0, bytes, problems);
    }

    /** Creates one empty folder (and its missing parents, owner-only) and gives it its permission bits. */
    private static void makeEmptyFolder(Selection.Folder f, Path dir) throws IOException, UnsafePathException {
        Path target = SafeRel.resolve(dir, f.target(), "empty folder '" + f.target() + "'");
        Private.ensureDir(dir, target);
        if (!f.perms().isEmpty()) {
            PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (view != null) {
                view.setPermissions(PosixFilePermissions.fromString(f.perms()));
            }
        }
        Private.syncDir(target.getParent());
    }

    private long restoreOne(Selection.Item item, Path dir, boolean overwrite) throws IOException, RepoException, UnsafePathException {
        Timeline.Entry e = item.entry();
        Path target = SafeRel.resolve(dir, item.target(), "target '" + item.target() + "' of the " + e.describe());
        List<String> chunks = chunksByHash.get(e.hash());
        if (chunks == null) {
            throw new RepoException("the snapshot lists no chunks for the " + e.describe());
        }
        HashAlgorithm algorithm = HashAlgorithm.ofStoredHash(e.hash())
                .orElseThrow(() -> new RepoException("the snapshot records a hash of an unknown algorithm: " + e.hash()));
        Private.ensureDir(dir, target.getParent());
        Path work = dir.resolve(Restorer.WORK_FOLDER);
        Private.ensureDir(dir, work);
        Path temp = work.resolve(ProcessHandle.current().pid() + "-" + (++tempCounter) + ".tmp");
        MessageDigest digest = algorithm.newDigest();
        long n = 0;
        try {
            try (FileChannel out = Private.createFile(temp)) {
                for (String id : chunks) {
                    byte[] data;
                    try {
                        data = repo.read(id);
                    } catch (RepoException x) {
                        throw new RepoException("the " + e.describe() + " cannot be restored: " + x.getMessage());
                    }
                    digest.update(data);
                    ByteBuffer b = ByteBuffer.wrap(data);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    n += data.length;
                    progress.advance(data.length);
                }
                out.force(true);
            }
            String got = algorithm.format(digest.digest());
            if (!got.equals(e.hash()) || n != e.size()) {
                throw new RepoException("the " + e.describe() + " read from the repository hashes to " + got + " (" + n
                        + " bytes), not " + e.hash() + " (" + e.size() + " bytes); nothing was written");
            }
            Files.setLastModifiedTime(temp, FileTime.from(e.mtime(), TimeUnit.NANOSECONDS));
            if (!e.perms().isEmpty()) {
                PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                if (view != null) {
                    view.setPermissions(PosixFilePermissions.fromString(e.perms()));
                }
            }
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileSystemException(target.toString(), null, "a folder is in the way; it was left as it is");
            }
            if (overwrite) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(temp, target);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        Private.syncDir(target.getParent());
        return n;
    }
}
