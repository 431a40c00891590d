package io.keepwatch.watch;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import io.methvin.watcher.visitor.FileTreeVisitor;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * directory-watcher's tree walk (to register folders and to report the files of a new folder), pruned at
 * the folders {@link WatchFilter} skips. Links are not followed. A folder that vanishes during the walk is
 * passed over; one that cannot be read is logged and passed over (the scanner reports it on every pass).
 * Failures of the callbacks themselves, such as the inotify watch limit, are passed on.
 *
 * <p>directory-watcher's first walk at start, which only notes which paths are folders, is not made at all (see
 * {@link #onlyNotesFolders}).
 *
 * <p>It does what {@code find} calls the leaf optimisation: the entries of a folder without subfolders are
 * not lstat()ed one by one, which is most of the cost of walking a tree of many files (directory-watcher
 * walks the whole source twice at start). A folder has no subfolders when its link count is 2 (its own
 * entry in its parent and its {@code .}; each subfolder adds one with its {@code ..}), on the file systems
 * listed in {@link #LINK_COUNT_FILE_SYSTEMS}. Elsewhere (btrfs always says 1, CIFS makes up 2, NFS and
 * FUSE may be wrong, Windows has no link count) every entry is lstat()ed as before. The walk that registers the
 * source at start does not even list such a folder ({@link #onlyRegisters}).
 *
 * <p>It also walks for {@link InotifyWatcher} ({@link #registerSource}, {@link #walkNewFolder}), which watches a folder
 * before opening it. About 400 lines: most of it is the argument, next to the code, for why each order of watching,
 * listing and reading the link count loses no folder; the next split would move the link-count trust
 * ({@link #hasNoSubfolders}, {@link #LINK_COUNT_FILE_SYSTEMS}) into a class of its own.
 */
final class PrunedTreeVisitor implements FileTreeVisitor {
    private static final Logger log = LoggerFactory.getLogger(PrunedTreeVisitor.class);

    /**
     * Local file systems (as {@link java.nio.file.FileStore#type()} names them on Linux) whose folders have a
     * link count of 2 plus their number of subfolders, or 1 when they have too many to count (ext4 past
     * 65,000, which is not 2). Like gnulib's fts, which {@code find} uses, we do not trust the count on
     * CIFS (the Linux client reports 2 for every folder), NFS, AFS or unknown file systems; unlike it we
     * also leave out FUSE, overlay and anything not listed, which are only slower for it.
     */
    static final Set<String> LINK_COUNT_FILE_SYSTEMS = Set.of("ext2", "ext3", "ext4", "xfs", "tmpfs", "f2fs", "jfs");

    private final WatchFilter filter;
    private final Set<String> linkCountFileSystems;
    private final AtomicInteger rootWalkFolders = new AtomicInteger();
    /** Per device (st_dev) of the folders walked: whether its file system is in {@link #linkCountFileSystems}. */
    private final Map<Object, Boolean> linkCountByDevice = new ConcurrentHashMap<>();
    /** Set when the "unix" attribute view is missing (Windows, jimfs): no link counts to read. */
    private volatile boolean noUnixView;
    private volatile int lastWalkLstats;

    /** Told of each folder the walk of the whole source registers, as soon as it is watched (if anyone asks). */
    private final Optional<Registration> registration;

    PrunedTreeVisitor(WatchFilter filter) {
        this(filter, LINK_COUNT_FILE_SYSTEMS, Optional.empty());
    }

    /** A visitor that tells {@code registration} of each folder the registering walk of the whole source watches. */
    PrunedTreeVisitor(WatchFilter filter, Optional<Registration> registration) {
        this(filter, LINK_COUNT_FILE_SYSTEMS, registration);
    }

    /** With the file system types whose folder link counts are trusted (tests: none, or their temp folder's). */
    PrunedTreeVisitor(WatchFilter filter, Set<String> linkCountFileSystems) {
        this(filter, linkCountFileSystems, Optional.empty());
    }

    private PrunedTreeVisitor(WatchFilter filter, Set<String> linkCountFileSystems, Optional<Registration> registration) {
        this.filter = filter;
        this.linkCountFileSystems = Set.copyOf(linkCountFileSystems);
        this.registration = registration;
    }

    /**
     * Whether a walk's folder callback comes from directory-watcher's {@code PathUtils}: at start (before it
     * registers anything) directory-watcher 0.19 walks the whole source once only to note which paths are
     * folders, for the {@code isDirectory} flag of later events, which keepwatch never reads (an event only names
     * a path to look at again). That walk costs as much as the registering one, so it is not made; the walk that
     * registers folders (callbacks of {@code DirectoryWatcher}) and the walks that report the files of a new
     * folder always are. A callback whose class is named otherwise is walked, whatever it does.
     */
    static boolean onlyNotesFolders(Callback onDirectory) {
        return onDirectory.getClass().getName().startsWith("io.methvin.watcher.PathUtils$");
    }

    /**
     * Whether a walk of the whole source is directory-watcher's registering walk at start ({@code registerAll} of the
     * root, called by {@code registerPaths} only): its folder callback is a lambda of {@code DirectoryWatcher} (the
     * noting walk's is {@link #onlyNotesFolders}'s) and its file callback does nothing in 0.19.1, so that walk lists a
     * folder only to find its subfolders. A folder it has just watched and whose link count then says it has none
     * (see {@link #hasNoSubfolders}) is not listed at all: any subfolder made in it after that moment is reported by
     * its watch, and one made before would have raised the count. Most folders of a large tree have no subfolders,
     * and listing them was most of the walk's cost. Walks of a folder made while watching still list everything
     * (their files are reported as created).
     */
    static boolean onlyRegisters(Callback onDirectory) {
        return onDirectory.getClass().getName().startsWith("io.methvin.watcher.DirectoryWatcher$");
    }

    private final AtomicInteger wholeSourceWalks = new AtomicInteger();
    private final AtomicInteger skippedNotingWalks = new AtomicInteger();
    private volatile int lastWalkUnlisted;

    /** Walks of the whole source made, and folder-noting walks not made (see {@link #onlyNotesFolders}). */
    int wholeSourceWalks() {
        return wholeSourceWalks.get();
    }

    int skippedNotingWalks() {
        return skippedNotingWalks.get();
    }

    /** Folders the latest walk watched without listing them (no subfolders, in the registering walk: {@link #onlyRegisters}). */
    int lastWalkUnlisted() {
        return lastWalkUnlisted;
    }

    /** Folders found by the latest walk of the whole source (what is watched right after registering). */
    int rootWalkFolders() {
        return rootWalkFolders.get();
    }

    /** Entries the latest walk had to lstat() to tell folders from files (those of folders with subfolders). */
    int lastWalkLstats() {
        return lastWalkLstats;
    }

    @Override
    public void recursiveVisitFiles(Path start, Callback onDirectory, Callback onFile) throws IOException {
        if (filter.skipsFolder(start)) {
            return;
        }
        boolean wholeSource = start.equals(filter.root());
        if (wholeSource && onlyNotesFolders(onDirectory)) {
            skippedNotingWalks.incrementAndGet();
            return;
        }
        walk(start, wholeSource ? "" : filter.relOf(start).orElseThrow(), (dir, rel) -> onDirectory.call(dir),
                (file, rel) -> onFile.call(file), wholeSource && onlyRegisters(onDirectory), false);
    }

    /** Told of a folder or file a walk meets, with its path relative to the root (as {@link WatchFilter#relOf} makes it). */
    @FunctionalInterface
    interface Entry {
        void call(Path path, String rel) throws IOException;
    }

    /**
     * The registering walk of the whole source for a watch backend of keepwatch's own ({@link InotifyWatcher}): as
     * directory-watcher's registering walk ({@link #onlyRegisters}), {@code onDirectory} watches each folder, a folder
     * without subfolders is not listed, and {@link Registration} is told of each folder right after. Its
     * {@code onDirectory} must watch a folder by its path alone (not by an open folder, as the JDK does), and pass
     * over one that is gone: a folder is watched before it is opened, and one that needs no listing is never opened.
     */
    void registerSource(Entry onDirectory) throws IOException {
        walk(filter.root(), "", onDirectory, (file, rel) -> { }, true, true);
    }

    /** A walk of a folder {@code start} made or moved in while watching: every folder watched, every entry reported. */
    void walkNewFolder(Path start, String startRel, Entry onDirectory, Entry onFile) throws IOException {
        if (!filter.excludes(startRel)) {
            walk(start, startRel, onDirectory, onFile, false, true);
        }
    }

    private void walk(Path start, String startRel, Entry onDirectory, Entry onFile, boolean listOnlyForSubfolders,
            boolean watchFirst) throws IOException {
        boolean wholeSource = startRel.isEmpty();
        wholeSourceWalks.incrementAndGet();
        Walk walk = new Walk(onDirectory, onFile, wholeSource ? registration : Optional.empty(), listOnlyForSubfolders,
                watchFirst);
        walk.run(start, startRel);
        lastWalkLstats = walk.lstats;
        lastWalkUnlisted = walk.unlisted;
        if (wholeSource) {
            rootWalkFolders.set(walk.folders);
            log.debug("Walked {}: {} folders ({} without subfolders not listed), {} entries, {} of them lstat()ed", start,
                    walk.folders, walk.unlisted, walk.entries, walk.lstats);
        }
    }

    /** One walk, depth first with its own stack; {@code rel} of a folder is its path relative to the root. */
    private final class Walk {
        private final Entry onDirectory;
        private final Entry onFile;
        /** Told of each folder once its watch is in place (the walk of the whole source only). */
        private final Optional<Registration> registration;
        /** Whether a folder without subfolders need not be listed (the walk only registers: {@link #onlyRegisters}). */
        private final boolean listOnlyForSubfolders;
        /** Whether a folder is watched before it is opened (a backend whose watch needs no open folder). */
        private final boolean watchFirst;
        private final Deque<Path> pending = new ArrayDeque<>();
        private final Deque<String> pendingRel = new ArrayDeque<>();
        int folders;
        int entries;
        int lstats;
        int unlisted;

        Walk(Entry onDirectory, Entry onFile, Optional<Registration> registration, boolean listOnlyForSubfolders,
                boolean watchFirst) {
            this.watchFirst = watchFirst;
            this.onDirectory = onDirectory;
            this.onFile = onFile;
            this.registration = registration;
            this.listOnlyForSubfolders = listOnlyForSubfolders;
        }

        void run(Path start, String startRel) throws IOException {
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(start, BasicFileAttributes.class, NOFOLLOW_LINKS);
            } catch (IOException e) {
                passOver(start, e);
                return;
            }
            if (!attrs.isDirectory()) {
                // As Files.walkFileTree did: a start that is not a folder (or is a link) is a file.
                if (!startRel.isEmpty()) {
                    onFile.call(start, startRel);
                }
                return;
            }
            pending.push(start);
            pendingRel.push(startRel);
            while (!pending.isEmpty()) {
                visit(pending.pop(), pendingRel.pop());
            }
        }

        /**
         * Watches {@code dir} (failures passed on) and tells {@link Registration}; false when it need not be listed:
         * watched now, a link count read from here on that says "no subfolders" holds until the watch reports a new
         * one (see onlyRegisters), so a walk that lists only to find subfolders stops here.
         */
        private boolean watched(Path dir, String rel) throws IOException {
            onDirectory.call(dir, rel);
            folders++;
            if (registration.isPresent()) {
                registration.get().watched(rel);
            }
            if (listOnlyForSubfolders && hasNoSubfolders(dir)) {
                unlisted++;
                return false;
            }
            return true;
        }

        /** The folder opened for listing; empty (and logged) when it cannot be, then it is passed over. */
        private Optional<DirectoryStream<Path>> open(Path dir) {
            try {
                return Optional.of(Files.newDirectoryStream(dir));
            } catch (IOException e) {
                passOver(dir, e);
                return Optional.empty();
            }
        }

        /** Lists and closes {@code stream}; what a failure half-way left is listed. */
        private void list(Path dir, DirectoryStream<Path> stream, List<Path> listed) throws IOException {
            try (stream) {
                for (Path entry : stream) {
                    listed.add(entry);
                }
            } catch (DirectoryIteratorException e) {
                passOver(dir, e.getCause()); // then goes on with what was listed
            }
        }

        private void visit(Path dir, String rel) throws IOException {
            List<Path> listed = new ArrayList<>();
            if (watchFirst) {
                // The watch needs no open folder: one that needs no listing is never opened (saves an open, a dup,
                // two fcntl, an fstat and two close of the JDK's directory stream, per folder).
                if (!watched(dir, rel)) {
                    return;
                }
                Optional<DirectoryStream<Path>> stream = open(dir);
                if (stream.isEmpty()) {
                    return;
                }
                list(dir, stream.get(), listed);
            } else {
                Optional<DirectoryStream<Path>> stream = open(dir);
                if (stream.isEmpty()) {
                    return;
                }
                try (DirectoryStream<Path> opened = stream.get()) {
                    // Opening reads no entry yet (the entries are read by iterating), so the folder is watched
                    // before any of its entries is listed. Its failures are passed on.
                    if (!watched(dir, rel)) {
                        return;
                    }
                    list(dir, opened, listed);
                }
            }
            entries += listed.size();
            // Why the link count is read only now, after the listing: if it is 2, the folder had no subfolder
            // at a moment after every entry was listed, so no listed entry was a folder then; an entry that was
            // a folder when listed has been removed or replaced by then, and a folder made in its place later
            // is reported by the watch. A subfolder made after the folder was watched (onDirectory above)
            // gets an event of its own, whether the listing saw it or not; one made before, or while listing,
            // is listed and counted, so the count is more than 2 and every entry is lstat()ed below. Reading
            // the count before listing would miss a subfolder made in between: taken for a file, never watched.
            boolean noSubfolders = !listed.isEmpty() && hasNoSubfolders(dir);
            for (Path entry : listed) {
                // The same string WatchFilter.relOf makes (names joined with '/'), without a Path.relativize.
                String name = nameOf(entry);
                String entryRel = rel.isEmpty() ? name : rel + "/" + name;
                if (noSubfolders) {
                    if (!filter.excludes(entryRel)) {
                        onFile.call(entry, entryRel);
                    }
                    continue;
                }
                if (filter.excludes(entryRel)) {
                    continue; // an excluded file, or a skipped folder with everything in it
                }
                BasicFileAttributes attrs;
                try {
                    attrs = Files.readAttributes(entry, BasicFileAttributes.class, NOFOLLOW_LINKS);
                    lstats++;
                } catch (IOException e) {
                    passOver(entry, e);
                    continue;
                }
                if (attrs.isDirectory()) {
                    pending.push(entry);
                    pendingRel.push(entryRel);
                } else {
                    onFile.call(entry, entryRel);
                }
            }
        }
    }

    /** Whether {@code dir}'s link count, read now, says it has no subfolders, on a file system where it can. */
    private boolean hasNoSubfolders(Path dir) {
        if (noUnixView) {
            return false;
        }
        Map<String, Object> attrs;
        try {
            attrs = Files.readAttributes(dir, "unix:nlink,dev", NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            noUnixView = true;
            return false;
        } catch (IOException e) {
            return false; // gone or unreadable: lstat()ing the entries tells what is left
        }
        return attrs.get("nlink") instanceof Integer nlink && nlink == 2 && countsSubfolders(dir, attrs.get("dev"));
    }

    private boolean countsSubfolders(Path dir, Object device) {
        Boolean known = linkCountByDevice.get(device);
        if (known != null) {
            return known;
        }
        String type;
        try {
            type = Files.getFileStore(dir).type();
        } catch (IOException | RuntimeException e) {
            type = null;
        }
        boolean counts = type != null && linkCountFileSystems.contains(type);
        linkCountByDevice.put(device, counts);
        log.debug("File system of {} ({}, device {}): folder link counts {}", dir, type, device,
                counts ? "used to skip lstat() in folders without subfolders" : "not trusted");
        return counts;
    }

    private static void passOver(Path path, IOException e) {
        if (e instanceof NoSuchFileException) {
            log.debug("{} vanished while being registered for watching", path);
        } else {
            log.warn("Cannot watch {}: {} (its files are still backed up by every full pass)", path, e.toString());
        }
    }

    /**
     * The name of an entry, for matching the exclude patterns. One whose bytes cannot be read (see
     * {@code FileNames}) is matched by its displayed form: the full pass reports it as a failure anyway.
     */
    private static String nameOf(Path entry) {
        try {
            return io.keepwatch.fs.FileNames.of(entry.getFileName());
        } catch (java.nio.file.InvalidPathException e) {
            return entry.getFileName().toString();
        }
    }
}
