package io.keepwatch.execute;

import io.keepwatch.fs.Fs;
import io.keepwatch.fs.Modes;
import io.keepwatch.fs.BackupRoot;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where new content waits between being copied and being moved into place: a temp file in the folder of the
 * file's current copy, {@code <source>/<folder>/.keepwatch-<id>-<n>.tmp}, as rsync does it. The move into place is
 * then a rename inside one folder, and the new files' inodes are spread over the filesystem the way the folders
 * are. (All staged in one folder, ext4 searched one crowded part of its inode table for each of them: a first
 * run over 20,000 files measured 10% slower, see the README's Performance section.)
 *
 * <p>{@code <id>} is unique to one staging area (its start time and process id), so no two runs ever pick the
 * same name, and a temp name never collides with a backed-up file: a source file of that name would have to
 * carry the id of a run that has not started yet.
 *
 * <p>Leftovers of a crash: before copies go to a folder, the folder is appended to a manifest,
 * {@code .keepwatch/tmp/<id>.dirs}, and the manifest is fsynced. {@link #cleanLeftovers} (at start, under the
 * lock) reads every manifest, deletes the temp files of that id in the folders it names, removes the folders
 * this leaves empty, then the manifest. {@link #close} deletes the manifest of a staging area that ended cleanly.
 *
 * <p>Where the folder cannot be made (a file stands where it goes, to be moved away by the same pass; or a
 * symbolic link was planted there), the copy is staged in {@code .keepwatch/tmp/}, which is emptied at start.
 *
 * <p>{@link #prepare} and {@link #close} are for the engine's thread; {@link #stage} runs on the copy threads.
 */
public final class StagingArea implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StagingArea.class);
    private static final String PREFIX = ".keepwatch-";
    private static final String SUFFIX = ".tmp";
    private static final String MANIFEST_SUFFIX = ".dirs";
    private static final Pattern NAME = Pattern.compile("\\.keepwatch-([0-9a-f]+-[0-9a-f]+)-[0-9]+\\.tmp");
    private static final Pattern ID = Pattern.compile("[0-9a-f]+-[0-9a-f]+");

    private final BackupLayout layout;
    private final Fs fs;
    private final String id;
    private final Path manifest;
    private final AtomicLong counter = new AtomicLong();
    private final BackupRoot dirs;
    /** Folders durably in the manifest: copies are staged in no other (but {@code .keepwatch/tmp/}). */
    private final Set<String> recorded = ConcurrentHashMap.newKeySet();

    /** A copy that writes {@code target} (a new file) and returns what it learned. */
    @FunctionalInterface
    public interface Copy<T> {
        T to(Path target) throws IOException;
    }

    public StagingArea(BackupLayout layout, Fs fs, String id) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("staging id must be <hex>-<hex>: " + id);
        }
        this.layout = layout;
        this.fs = fs;
        this.id = id;
        this.manifest = layout.tmpDir().resolve(id + MANIFEST_SUFFIX);
        this.dirs = new BackupRoot(layout.root(), fs);
    }

    /** A staging area whose id is this process and this moment. */
    public static StagingArea create(BackupLayout layout, Fs fs, long nowMillis) {
        return new StagingArea(layout, fs, Long.toHexString(nowMillis) + "-" + Long.toHexString(ProcessHandle.current().pid()));
    }

    /**
     * Forgets which folders were found real: called at the start of every pass, so a symbolic link planted in the
     * backup root since the last pass is found before a copy is staged through it.
     */
    public void recheck() {
        dirs.forgetAll();
    }

    /**
     * Records in the manifest, durably, every folder the staged copies of these files will be made in that it does
     * not name yet. Called before they are staged, so a crash at any later instant leaves nothing unaccounted for.
     * Where the manifest cannot be written (a full disk), the copies of those folders are staged in
     * {@code .keepwatch/tmp/} instead, and each fails or succeeds on its own as before.
     */
    public void prepare(String source, Collection<String> rels) {
        Set<String> fresh = new LinkedHashSet<>();
        for (String rel : rels) {
            String folder = folderOf(source, rel);
            if (!recorded.contains(folder)) {
                fresh.add(folder);
            }
        }
        if (fresh.isEmpty()) {
            return;
        }
        boolean first = recorded.isEmpty();
        StringBuilder sb = new StringBuilder();
        fresh.forEach(f -> sb.append(f).append('\n'));
        ByteBuffer bytes = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
        try {
            try (FileChannel ch = Modes.openPrivate(manifest, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND, LinkOption.NOFOLLOW_LINKS)) {
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                ch.force(false);
            }
            if (first) {
                fs.syncDirectory(layout.tmpDir());
            }
            recorded.addAll(fresh);
        } catch (IOException e) {
            log.warn("Could not add {} folder(s) to {} ({}); their copies are staged in {} instead", fresh.size(), manifest,
                    Parallel.reason(e), layout.tmpDir());
        }
    }

    /**
     * Makes a staged copy of {@code source}/{@code rel} beside its current copy: makes the folder (never through a
     * symbolic link planted in the backup root), then runs {@code copy} on a fresh temp name there. The folder may
     * have been removed meanwhile, as emptied by the engine moving or deleting its last file; then it is made again
     * and the copy is tried once more. Returns the staged name (relative to the backup root, {@code /}-separated)
     * and what the copy returned.
     */
    public <T> Staged<T> stage(String source, String rel, Copy<T> copy) throws IOException {
        String folder = folderOf(source, rel);
        Path dir = BackupLayout.resolve(layout.root(), folder);
        String file = PREFIX + id + "-" + counter.incrementAndGet() + SUFFIX;
        if (!recorded.contains(folder)) {
            return inTmp(file, copy);
        }
        try {
            ensure(source, dir);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (FileSystemException e) {
            // A file stands where the folder will be (a file replaced by a folder of that name: this pass moves the
            // file away first), or a symbolic link was planted there (moving into place will fail and say so).
            log.debug("Staging {}/{} in {}: {}", source, rel, layout.tmpDir(), e.getMessage());
            return inTmp(file, copy);
        }
        String name = folder + "/" + file;
        Path target = layout.staged(name);
        try {
            return new Staged<>(name, copy.to(target));
        } catch (NoSuchFileException e) {
            if (dirs.attributes(dir).map(a -> a.isDirectory() && !a.isSymbolicLink()).orElse(false)) {
                throw e; // the source went, not the folder
            }
            remake(source, dir);
            return new Staged<>(name, copy.to(target));
        }
    }

    /** Makes {@code dir}; if a folder on its way that was made before is gone (emptied and removed), makes it again. */
    private void ensure(String source, Path dir) throws IOException {
        try {
            dirs.mkdirs(dir);
        } catch (NoSuchFileException e) {
            remake(source, dir);
        }
    }

    /** Checks the folders under the source's mirror afresh (some were removed since) and makes {@code dir}. */
    private void remake(String source, Path dir) throws IOException {
        dirs.forget(layout.sourceMirror(source));
        dirs.mkdirs(dir);
    }

    private <T> Staged<T> inTmp(String file, Copy<T> copy) throws IOException {
        String name = BackupLayout.PRIVATE + "/" + layout.tmpDir().getFileName() + "/" + file;
        return new Staged<>(name, copy.to(layout.staged(name)));
    }

    /** A staged copy: its name relative to the backup root, and what the copy returned. */
    public record Staged<T>(String name, T result) {
    }

    /** Where a staged name (as {@link #stage} returned it) is. */
    public Path path(String staged) {
        return layout.staged(staged);
    }

    /** Deletes a staged copy (as {@link #stage} named it) that was not moved into place, if it is still there. */
    public void delete(String staged) throws IOException {
        dirs.deleteIfExists(path(staged));
    }

    /** Whether {@code fileName} is the name of a staged copy (in flight, or a crash's leftover). */
    public static boolean isStagedName(String fileName) {
        return fileName.startsWith(PREFIX) && NAME.matcher(fileName).matches();
    }

    /** Deletes the manifest: every copy staged here was moved into place or deleted. */
    @Override
    public void close() throws IOException {
        dirs.deleteIfExists(manifest);
    }

    private static String folderOf(String source, String rel) {
        int slash = rel.lastIndexOf('/');
        return slash < 0 ? source : source + "/" + rel.substring(0, slash);
    }

    /**
     * At start, under the lock: deletes what crashed runs staged (see the class comment) and anything else in
     * {@code .keepwatch/tmp/} (where staged copies were made before). Returns how many temp files it deleted.
     */
    public static int cleanLeftovers(BackupLayout layout, Fs fs) throws IOException {
        int n = 0;
        List<Path> manifests = new ArrayList<>();
        BackupRoot dirs = new BackupRoot(layout.root(), fs);
        if (!dirs.attributes(layout.tmpDir()).map(a -> a.isDirectory() && !a.isSymbolicLink()).orElse(false)) {
            return 0;
        }
        try (DirectoryStream<Path> ds = dirs.list(layout.tmpDir())) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (dirs.attributes(p).map(BasicFileAttributes::isDirectory).orElse(false)) {
                    // keepwatch makes no folder here: one is not its own, and may hold anything (before, one failed the
                    // start with only its path, or "Is a directory" when named like a manifest).
                    log.warn("Not a temp file of keepwatch's (a folder), left alone: {}", p);
                } else if (name.endsWith(MANIFEST_SUFFIX) && ID.matcher(name.substring(0, name.length() - MANIFEST_SUFFIX.length())).matches()) {
                    manifests.add(p);
                } else {
                    dirs.delete(p);
                    n++;
                }
            }
        }
        for (Path m : manifests) {
            String name = m.getFileName().toString();
            String id = name.substring(0, name.length() - MANIFEST_SUFFIX.length());
            for (String folder : new LinkedHashSet<>(Files.readAllLines(m, StandardCharsets.UTF_8))) {
                if (!folder.isEmpty()) {
                    n += cleanFolder(layout, dirs, folder, id);
                }
            }
            dirs.delete(m);
        }
        if (n > 0) {
            log.info("Removed {} unfinished temp file(s) from {}", n, layout.root());
        }
        return n;
    }

    private static int cleanFolder(BackupLayout layout, BackupRoot dirs, String folder, String id) throws IOException {
        int n = 0;
        Path dir = null;
        try {
            dir = dirs.resolve(layout.root(), folder);
            try (DirectoryStream<Path> ds = dirs.list(dir)) {
                for (Path p : ds) {
                    Matcher m = NAME.matcher(p.getFileName().toString());
                    if (m.matches() && m.group(1).equals(id)) {
                        dirs.delete(p);
                        n++;
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException e) {
            return n;
        } catch (FileSystemException e) {
            log.warn("Not cleaning {}: {}", dir == null ? folder : dir, e.getReason());
            return n;
        }
        // Folders made only to stage in are left empty by a crash; an empty folder means nothing in a mirror.
        Executor.removeEmptyFolders(layout, dirs, List.of(dir), new HashSet<>());
        return n;
    }
}
