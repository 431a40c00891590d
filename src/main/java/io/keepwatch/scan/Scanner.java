package io.keepwatch.scan;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.FailureReason;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.PermissionText;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.Fingerprint;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Lists the regular files of a source from metadata alone (one lstat per entry; no file is opened).
 * Symbolic links are never followed (and not backed up); FIFOs, sockets and devices are skipped unopened;
 * excluded paths and keepwatch's own folders are pruned whole. A folder that cannot be read makes its
 * subtree "unknown", so nothing under it is taken as deleted.
 *
 * <p>Over 400 lines (about 450): the source probe (mount point, device), the parallel walk with its folder gate, the
 * scan of named paths, and the lstat-level checks (exclusions, links, real folders above a path) share the walk's
 * state; the probe is the next part that could stand alone.
 */
public final class Scanner {
    private final SourceConfig source;
    private final ExcludeRules rules;
    private final Fs fs;
    private final boolean posixView;

    public Scanner(SourceConfig source, ExcludeRules rules, Fs fs) {
        this.source = source;
        this.rules = rules;
        this.fs = fs;
        this.posixView = source.path().getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Whether the source can be read: its root is a folder, holds its marker file if one is configured, and is
     * on the device it was on when last seen (a folder whose disk is not mounted is an empty folder on another
     * device).
     */
    public Availability probe(Optional<String> recordedDevice) {
        Path root = source.path();
        if (!Files.isDirectory(root)) {
            return new Availability.Unavailable(Files.exists(root, LinkOption.NOFOLLOW_LINKS)
                    ? "'" + root + "' is not a folder" : "folder '" + root + "' does not exist (unmounted or removed?)");
        }
        Optional<String> marker = source.guard().markerFile();
        if (marker.isPresent() && !Files.exists(root.resolve(marker.get()), LinkOption.NOFOLLOW_LINKS)) {
            return new Availability.Unavailable("its marker '" + marker.get() + "' is missing in '" + root
                    + "' (unmounted, or not the folder that was backed up? if it is, create the marker)");
        }
        try {
            String device = fs.deviceOf(root).orElse("");
            if (recordedDevice.isPresent() && !device.isEmpty() && !recordedDevice.get().equals(device)
                    && !isMountPoint(root, device)) {
                return new Availability.Unavailable("'" + root + "' is on device " + device + " but was on device "
                        + recordedDevice.get() + " when last backed up (is its disk unmounted?)");
            }
            Object key = Files.readAttributes(root, BasicFileAttributes.class).fileKey();
            return new Availability.Available(device, key == null ? "" : key.toString());
        } catch (IOException e) {
            return new Availability.Unavailable("cannot read '" + root + "': " + e);
        }
    }

    /**
     * Whether the source folder is the top of a filesystem of its own (its parent is on another device). A
     * device number that changed while the folder is still a mount point is the disk mounted again: tmpfs,
     * NFS and FUSE get a new number at every mount, and a USB disk may come back under another one. An
     * unmounted disk instead leaves a plain folder on its parent's device.
     */
    private boolean isMountPoint(Path root, String device) throws IOException {
        Path parent = root.toRealPath().getParent();
        return parent != null && !device.equals(fs.deviceOf(parent).orElse(device));
    }

    /** Folders listed at once by a whole-source scan: lstat is a system call, and two cores make two at a time. */
    private static final int SCAN_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

    /**
     * How long a scan thread with nothing to list waits before it looks again, at first and at most: it doubles while
     * there is still nothing (at a fixed 20 us, a thread waiting beside a start-up scan held back by the registration
     * woke about 20,000 times and took about 1 CPU-s on data set B).
     */
    private static final long MIN_IDLE_NANOS = 20_000;
    private static final long MAX_IDLE_NANOS = 1_000_000;

    /** Every file of the source, its folders listed by {@link #SCAN_THREADS} threads at once. */
    public ScanResult scanAll() throws IOException {
        return scanAll(FolderGate.OPEN);
    }

    /** {@link #scanAll()}, listing each folder only once {@code gate} lets it (its watch is in place). */
    public ScanResult scanAll(FolderGate gate) throws IOException {
        Path root = realRoot();
        List<Walk> walks = new ParallelWalk(new Folder(root, "", fs.deviceOf(root).orElse(""), null), gate).run();
        walks.get(0).covered.add("");
        return Walk.merge(walks);
    }

    /**
     * Threads taking folders from one shared stack until none is left and none is being listed; each keeps
     * its findings in a {@link Walk} of its own, merged at the end (sorted, so the result does not depend
     * on which thread listed what). Depth is no limit: the stack is a collection, not the call stack.
     */
    private final class ParallelWalk {
        private final java.util.concurrent.ConcurrentLinkedDeque<Folder> todo =
                new java.util.concurrent.ConcurrentLinkedDeque<>();
        /** Folders pushed and not yet listed to the end. */
        private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        private volatile Throwable failure;
        private final FolderGate gate;

        ParallelWalk(Folder root, FolderGate gate) {
            this.gate = gate;
            todo.push(root);
            open.set(1);
        }

        List<Walk> run() throws IOException {
            List<Walk> walks = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < SCAN_THREADS; i++) {
                walks.add(new Walk());
            }
            for (int i = 1; i < SCAN_THREADS; i++) {
                Walk w = walks.get(i);
                Thread t = new Thread(() -> work(w), "keepwatch-scan-" + source.name() + "-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            work(walks.get(0));
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    failure = e;
                    threads.forEach(Thread::interrupt);
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while scanning " + source.path());
                }
            }
            if (failure instanceof RuntimeException re) {
                throw re;
            } else if (failure instanceof Error err) {
                throw err;
            } else if (failure != null) {
                throw new IOException("scan of " + source.path() + " failed: " + failure, failure);
            }
            return walks;
        }

        private void work(Walk walk) {
            try {
                long idle = MIN_IDLE_NANOS;
                while (failure == null) {
                    Folder next = todo.pollFirst();
                    if (next == null) {
                        if (open.get() == 0) {
                            break;
                        }
                        // Another thread is listing, or waits for a folder's watch (the service's start-up scan, which
                        // the registration can hold back for seconds): look again, less and less often.
                        java.util.concurrent.locks.LockSupport.parkNanos(idle);
                        idle = Math.min(2 * idle, MAX_IDLE_NANOS);
                        continue;
                    }
                    idle = MIN_IDLE_NANOS;
                    gate.awaitListable(next.rel());
                    walk.list(next, dir -> {
                        open.incrementAndGet();
                        todo.push(dir);
                    });
                    open.decrementAndGet();
                }
            } catch (InterruptedException e) {
                failure = e; // the scan was cancelled while it waited for a watch
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                failure = e;
            }
            // What each thread found is sorted only when the files are looked at in order (MergedFiles), which a
            // pass that finds nothing changed never does.
        }
    }

    /**
     * Only the given paths (files or folders, relative to the root): what a watch event asks to look at.
     * A path that is gone is covered and found empty, so its state entries are gone too.
     */
    public ScanResult scan(Collection<String> rels) throws IOException {
        Path root = realRoot();
        Walk walk = new Walk();
        TreeSet<String> sorted = new TreeSet<>(rels);
        String last = null;
        for (String rel : sorted) {
            if (last != null && (rel.equals(last) || rel.startsWith(last + "/"))) {
                continue;
            }
            last = rel;
            if (rel.isEmpty()) {
                walk.covered.add("");
                walk.walk(new Folder(root, "", null, null));
                continue;
            }
            walk.covered.add(rel);
            if (isExcluded(rel) || !realFoldersAbove(root, rel, walk)) {
                continue;
            }
            Path p = BackupLayout.resolve(root, rel);
            BasicFileAttributes attrs;
            try {
                attrs = attributes(p);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                walk.unreadable(rel, e);
                continue;
            }
            if (attrs.isDirectory()) {
                walk.walk(new Folder(p, rel, null, permsOf(attrs)));
            } else {
                walk.file(rel, attrs);
            }
        }
        return walk.result();
    }

    /**
     * A folder to list, and the device it is on ({@code null} where not known: the folders a scan of some paths
     * starts from), so that a subfolder on another device is known to be a mount point; and its permissions,
     * recorded if it is empty ({@code null} for the source root, never recorded as an empty folder).
     */
    private record Folder(Path path, String rel, String device, String perms) {
    }

    private static String permsOf(BasicFileAttributes attrs) {
        return attrs instanceof PosixFileAttributes p ? PermissionText.of(p.permissions()) : "";
    }

    /** Whether a scan passes over {@code rel}: it, or a folder above it, is excluded or one of keepwatch's own. */
    public boolean skips(String rel) {
        for (int slash = rel.indexOf('/'); slash > 0; slash = rel.indexOf('/', slash + 1)) {
            if (isExcluded(rel.substring(0, slash))) {
                return true;
            }
        }
        return isExcluded(rel);
    }

    private Path realRoot() throws IOException {
        // The root itself may be a symbolic link (e.g. /home/ann/docs -> /data/docs); links below it are not followed.
        return source.path().toRealPath();
    }

    private boolean isExcluded(String rel) {
        for (String own : source.internalExcludes()) {
            if (rel.equals(own) || rel.startsWith(own + "/")) {
                return true;
            }
        }
        return rules.excludesPath(rel);
    }

    /** Whether every folder between the root and {@code rel} is a real folder (not a link, not a file). */
    private boolean realFoldersAbove(Path root, String rel, Walk walk) {
        Path p = root;
        int start = 0;
        int slash;
        while ((slash = rel.indexOf('/', start)) >= 0) {
            p = io.keepwatch.fs.FileNames.resolve(p, rel.substring(start, slash));
            try {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!a.isDirectory()) {
                    return false;
                }
            } catch (NoSuchFileException e) {
                return false;
            } catch (IOException e) {
                walk.unreadable(rel.substring(0, slash), e);
                return false;
            }
            start = slash + 1;
        }
        return true;
    }

    /** Reads a file's attributes in one lstat: POSIX ones where the filesystem has them. */
    private BasicFileAttributes attributes(Path p) throws IOException {
        return posixView ? Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                : Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    /** The same, read relative to the open folder (fstatat): the kernel looks up one name, not the whole path. */
    private BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        return posixView ? dir.getFileAttributeView(name, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes()
                : dir.getFileAttributeView(name, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
    }

    /** One scan's findings. Folders are walked with an explicit stack, so depth is no limit. */
    private final class Walk {
        final FileColumns files = new FileColumns();
        final Set<String> covered = new HashSet<>();
        final Set<String> unknown = new HashSet<>();
        final List<ScanProblem> problems = new ArrayList<>();
        final List<String> links = new ArrayList<>();
        final List<String> special = new ArrayList<>();
        /** The fingerprint of the empty folders found (the files' is theirs: {@link FileColumns#fingerprint}). */
        final Fingerprint.Builder fingerprint = new Fingerprint.Builder();
        /** Subfolders on another device than the folder holding them, with that device. */
        final Map<String, String> mounts = new java.util.HashMap<>();
        /** Folders with nothing in them (not the source root), with their permissions. */
        final Map<String, String> emptyFolders = new java.util.HashMap<>();

        void walk(Folder start) {
            Deque<Folder> todo = new ArrayDeque<>();
            todo.push(start);
            while (!todo.isEmpty()) {
                list(todo.pop(), todo::push);
            }
        }

        /**
         * Lists one folder: its files are recorded, its subfolders (not excluded) handed to {@code subfolders};
         * a subfolder on another device is recorded as a mount point.
         */
        void list(Folder folder, java.util.function.Consumer<Folder> subfolders) {
            Path dir = folder.path();
            String dirRel = folder.rel();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                SecureDirectoryStream<Path> secure = entries instanceof SecureDirectoryStream<Path> sds ? sds : null;
                boolean empty = true;
                for (Path child : entries) {
                    empty = false;
                    Path namePath = child.getFileName();
                    String name;
                    try {
                        name = io.keepwatch.fs.FileNames.of(namePath);
                    } catch (java.nio.file.InvalidPathException e) {
                        // Its name cannot be known, so nothing in this folder is taken as deleted.
                        unknown.add(dirRel);
                        problems.add(new ScanProblem(dirRel, io.keepwatch.events.FailureReason.UNREADABLE, source.name() + "/"
                                + (dirRel.isEmpty() ? "" : dirRel + "/") + namePath + ": cannot read its name (" + e.getReason() + ")"));
                        continue;
                    }
                    String childRel = dirRel.isEmpty() ? name : dirRel + "/" + name;
                    BasicFileAttributes attrs;
                    try {
                        attrs = secure != null ? attributes(secure, namePath) : attributes(child);
                    } catch (NoSuchFileException e) {
                        continue;
                    } catch (IOException e) {
                        unreadable(childRel, e);
                        continue;
                    }
                    if (attrs.isDirectory()) {
                        if (!isExcluded(childRel)) {
                            String device = deviceOf(child, attrs, childRel);
                            if (folder.device() != null && device != null && !device.equals(folder.device())) {
                                mounts.put(childRel, device);
                            }
                            subfolders.accept(new Folder(child, childRel, device, permsOf(attrs)));
                        }
                    } else {
                        file(childRel, attrs);
                    }
                }
                if (empty && folder.perms() != null) {
                    emptyFolders.put(dirRel, folder.perms());
                    fingerprint.addEmptyFolder(dirRel, folder.perms());
                }
            } catch (NoSuchFileException e) {
                // Removed while being scanned: nothing in it exists any more.
            } catch (IOException | java.nio.file.DirectoryIteratorException e) {
                unreadable(dirRel, e instanceof IOException io ? io : ((java.nio.file.DirectoryIteratorException) e).getCause());
            }
        }

        /** A folder's device, or null (and the folder unreadable) if it cannot be told. */
        private String deviceOf(Path dir, BasicFileAttributes attrs, String rel) {
            try {
                return fs.deviceOf(dir, attrs).orElse("");
            } catch (IOException e) {
                unreadable(rel, e);
                return null;
            }
        }

        void file(String rel, BasicFileAttributes attrs) {
            // Not logged here: a scan may run before logging is set up (see ScanResult's links and special).
            if (attrs.isSymbolicLink()) {
                links.add(rel);
            } else if (attrs.isOther()) {
                special.add(rel);
            } else if (attrs.isRegularFile() && !rules.excludesFile(rel)) {
                int permsMask = attrs instanceof PosixFileAttributes p ? PermissionText.mask(p.permissions()) : -1;
                Object key = attrs.fileKey();
                String inode = key == null ? "" : key.toString();
                long mtime = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                // Kept in columns, not as a record: see FileColumns.
                files.add(rel, attrs.size(), mtime, inode, permsMask); // and to the files' fingerprint
            }
        }

        void unreadable(String rel, IOException e) {
            unknown.add(rel);
            String reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            problems.add(new ScanProblem(rel, FailureReason.of(e, FailureReason.UNREADABLE),
                    source.name() + "/" + rel + ": cannot read (" + reason + ")"));
        }

        ScanResult result() {
            return merge(List.of(this));
        }

        static ScanResult merge(List<Walk> walks) {
            Set<String> covered = new HashSet<>();
            Set<String> unknown = new HashSet<>();
            List<ScanProblem> problems = new ArrayList<>();
            List<String> links = new ArrayList<>();
            List<String> special = new ArrayList<>();
            Fingerprint fingerprint = Fingerprint.EMPTY;
            List<FileColumns> files = new ArrayList<>();
            Map<String, String> mounts = new java.util.TreeMap<>();
            Map<String, String> emptyFolders = new java.util.TreeMap<>();
            for (Walk w : walks) {
                emptyFolders.putAll(w.emptyFolders);
                mounts.putAll(w.mounts);
                files.add(w.files);
                covered.addAll(w.covered);
                unknown.addAll(w.unknown);
                problems.addAll(w.problems);
                links.addAll(w.links);
                special.addAll(w.special);
                fingerprint = fingerprint.plus(w.fingerprint.build()).plus(w.files.fingerprint());
            }
            problems.sort(Comparator.comparing(ScanProblem::line));
            links.sort(Comparator.naturalOrder());
            special.sort(Comparator.naturalOrder());
            return new ScanResult(new MergedFiles(files), fingerprint, Set.copyOf(covered), Set.copyOf(unknown),
                    List.copyOf(problems), List.copyOf(links), List.copyOf(special), mounts, emptyFolders);
        }
    }
}
