package io.keepwatch.watch;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.FileNames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One source watched with Linux inotify directly ({@link Inotify}): the registering walk ({@link PrunedTreeVisitor},
 * pruned by {@link WatchFilter}) calls {@code inotify_add_watch} itself, on the caller's thread, so a folder costs
 * one system call and no thread hand-off (the JDK's watch service hands each registration to its poller thread and
 * waits for it: two context switches a folder). One reader thread per source waits in {@code poll} on the inotify
 * descriptor and an eventfd that {@link #close} writes to, decodes the events and only offers paths and signals to
 * the {@link ChangeQueue}; it is also the thread that watches and lists a folder made or moved in.
 *
 * <p>What it does with the events: a name in a watched folder that the filter keeps is offered (two identical
 * events of one read once); a folder made or moved in is watched, then listed, and everything in it offered; a
 * folder moved away has its watches (its subtree's) removed; the kernel's IN_IGNORED forgets a watch (folder
 * deleted). IN_Q_OVERFLOW is a {@link SourceSignal.Kind#RESCAN}; ENOSPC while watching a new folder a
 * {@link SourceSignal.Kind#LIMIT}; the root deleted, moved or unmounted a {@link SourceSignal.Kind#LOST}, after
 * which the reader ends. {@link #close} ends the reader and releases both descriptors, without any signal.
 */
final class InotifyWatcher implements WatchHandle {
    private static final Logger log = LoggerFactory.getLogger(InotifyWatcher.class);
    /** What a folder's watch reports: what the JDK's watch service asks for (create, delete, modify, both ends of a move). */
    static final int FOLDER_MASK = Inotify.IN_CREATE | Inotify.IN_DELETE | Inotify.IN_MODIFY | Inotify.IN_ATTRIB
            | Inotify.IN_MOVED_FROM | Inotify.IN_MOVED_TO | Inotify.IN_ONLYDIR | Inotify.IN_DONT_FOLLOW;
    /** The root's, which also says when the root itself is deleted or moved (IN_UNMOUNT comes unasked). */
    static final int ROOT_MASK = FOLDER_MASK | Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF;
    private static final int BUFFER = 64 * 1024;
    private static final long CLOSE_WAIT_MILLIS = 10_000;

    private final String source;
    private final WatchFilter filter;
    private final ChangeQueue queue;
    private final PrunedTreeVisitor visitor;
    private final int fd;
    private final int wakeFd;
    /** The root's bytes followed by '/', the start of every folder's path given to inotify_add_watch. */
    private final byte[] rootSlash;
    /** Watched folders by watch descriptor, as paths relative to the root ("" for the root). */
    private final Map<Integer, String> relByWd = new ConcurrentHashMap<>();
    /** The same the other way round, sorted so that a folder's subtree is a range (a folder moved away). */
    private final ConcurrentSkipListMap<String, Integer> wdByRel = new ConcurrentSkipListMap<>();
    private final Thread reader;
    private volatile int rootWd = -1;
    private volatile boolean closing;
    /** Guards {@link #released}: the descriptors are closed once, and never written to after. */
    private final Object lock = new Object();
    private boolean released;
    private volatile int folders;

    private InotifyWatcher(SourceConfig source, WatchFilter filter, ChangeQueue queue, PrunedTreeVisitor visitor,
            int fd, int wakeFd) {
        this.source = source.name();
        this.filter = filter;
        this.queue = queue;
        this.visitor = visitor;
        this.fd = fd;
        this.wakeFd = wakeFd;
        String root = filter.root().toString();
        this.rootSlash = FileNames.encode(root.endsWith("/") ? root : root + "/");
        this.reader = new Thread(this::readLoop, "keepwatch-inotify-" + source.name());
        this.reader.setDaemon(true);
    }

    /** Watches every folder of {@code source} before returning (see {@link Watchers#start}). */
    static InotifyWatcher start(SourceConfig source, WatchFilter filter, ChangeQueue queue, PrunedTreeVisitor visitor)
            throws IOException {
        int fd = Inotify.newInstance();
        int wakeFd;
        try {
            wakeFd = Inotify.eventfd(0, Inotify.EFD_CLOEXEC);
        } catch (LastErrorException e) {
            Inotify.closeQuietly(fd);
            throw new IOException("eventfd failed: " + e.getMessage(), e);
        }
        InotifyWatcher w = new InotifyWatcher(source, filter, queue, visitor, fd, wakeFd);
        try {
            // The reader runs from the start: events of folders watched early are read while the walk goes on.
            w.reader.start();
            visitor.registerSource(w::watch);
            if (visitor.rootWalkFolders() == 0 || w.rootWd < 0) {
                throw new NoSuchFileException(filter.root().toString(), null, "source folder vanished while being registered");
            }
            w.folders = visitor.rootWalkFolders();
            return w;
        } catch (IOException | RuntimeException | Error e) {
            w.close();
            throw e;
        }
    }

    /** Watches one folder (a callback of the walks). A folder gone meanwhile is passed over; other failures go on. */
    private void watch(Path dir, String rel) throws IOException {
        byte[] relBytes = FileNames.encode(rel);
        byte[] path = new byte[rootSlash.length + relBytes.length + 1];
        System.arraycopy(rootSlash, 0, path, 0, rootSlash.length);
        System.arraycopy(relBytes, 0, path, rootSlash.length, relBytes.length);
        int wd;
        try {
            wd = Inotify.inotify_add_watch(fd, path, rel.isEmpty() ? ROOT_MASK : FOLDER_MASK);
        } catch (LastErrorException e) {
            IOException failure = Inotify.addWatchFailure(e.getErrorCode(), dir.toString());
            if (rel.isEmpty() || WatchLimit.isLimit(failure)) {
                throw failure;
            }
            if (failure instanceof NoSuchFileException) {
                log.debug("{} vanished while being registered for watching", dir);
            } else {
                log.warn("Cannot watch {}: {} (its files are still backed up by every full pass)", dir, failure.getMessage());
            }
            return;
        }
        String before = relByWd.put(wd, rel);
        if (before != null && !before.equals(rel)) {
            wdByRel.remove(before, wd); // the same folder reached by another path: watched once, named by the latest
        }
        wdByRel.put(rel, wd);
        if (rel.isEmpty()) {
            rootWd = wd;
        }
    }

    @Override
    public int folders() {
        return folders;
    }

    /** Folders watched now (tests: a folder deleted or moved away is no longer counted). */
    int watchedNow() {
        return relByWd.size();
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (released) {
                return;
            }
            closing = true;
            wake();
        }
        if (Thread.currentThread() != reader && reader.isAlive()) {
            try {
                reader.join(CLOSE_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (lock) {
            if (!released && !reader.isAlive()) {
                released = true;
                Inotify.closeQuietly(fd);
                Inotify.closeQuietly(wakeFd);
            } else if (!released) {
                log.warn("The inotify reader of {} did not end within {} ms; its descriptors stay open", source,
                        CLOSE_WAIT_MILLIS);
            }
        }
    }

    private void wake() {
        try (Memory one = new Memory(8)) {
            one.setLong(0, 1);
            Inotify.write(wakeFd, one, 8);
        } catch (LastErrorException e) {
            log.warn("Waking the inotify reader of {}: {}", source, e.getMessage());
        }
    }

    /** The reader thread: waits for events or the wake-up, reads, hands each read to {@link #decode}. */
    private void readLoop() {
        try (Memory buf = new Memory(BUFFER); Memory fds = new Memory(16)) {
            while (!closing) {
                fds.setInt(0, fd);
                fds.setShort(4, Inotify.POLLIN);
                fds.setShort(6, (short) 0);
                fds.setInt(8, wakeFd);
                fds.setShort(12, Inotify.POLLIN);
                fds.setShort(14, (short) 0);
                try {
                    Inotify.poll(fds, 2, -1);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Inotify.EINTR) {
                        continue;
                    }
                    throw e;
                }
                if (closing) {
                    return;
                }
                long n;
                try {
                    n = Inotify.read(fd, buf, BUFFER);
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == Inotify.EAGAIN || e.getErrorCode() == Inotify.EINTR) {
                        continue;
                    }
                    throw e;
                }
                if (!decode(buf.getByteBuffer(0, n).order(ByteOrder.nativeOrder()))) {
                    return; // the root is gone: LOST was signalled
                }
            }
        } catch (RuntimeException | Error e) {
            if (!closing) {
                queue.signal(new SourceSignal(source, SourceSignal.Kind.LOST, "the watch on '" + filter.root()
                        + "' failed: " + e));
            }
        }
    }

    /**
     * Handles one read's events ({@code struct inotify_event}: wd, mask, cookie, len, then len bytes of name, NUL
     * padded). Returns false when the root's watch ended (then nothing more comes).
     */
    boolean decode(ByteBuffer events) {
        String lastOffered = null;
        while (events.remaining() >= 16) {
            int wd = events.getInt();
            int mask = events.getInt();
            events.getInt(); // cookie: a move's two ends are handled each on its own
            int len = events.getInt();
            byte[] name = null;
            if (len > 0) {
                byte[] raw = new byte[len];
                events.get(raw);
                int end = 0;
                while (end < len && raw[end] != 0) {
                    end++;
                }
                name = end == len ? raw : java.util.Arrays.copyOf(raw, end);
            }
            if ((mask & Inotify.IN_Q_OVERFLOW) != 0) {
                queue.signal(new SourceSignal(source, SourceSignal.Kind.RESCAN, "the OS dropped events (overflow)"));
                continue;
            }
            if ((mask & Inotify.IN_IGNORED) != 0) {
                String rel = relByWd.remove(wd);
                if (rel != null) {
                    wdByRel.remove(rel, wd);
                }
                if (wd == rootWd) {
                    lost("ended (folder deleted, moved or unmounted?)");
                    return false;
                }
                continue;
            }
            String dirRel = relByWd.get(wd);
            if (dirRel == null) {
                // A watch removed meanwhile (folder moved away), or one the registering walk has added but not yet
                // noted (a change in that instant): that walk tells Registration only after noting it, so the
                // start-up scan beside it, or the full pass after it, lists the folder after the change.
                continue;
            }
            if (wd == rootWd && (mask & (Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF | Inotify.IN_UNMOUNT)) != 0) {
                lost((mask & Inotify.IN_MOVE_SELF) != 0 ? "ended (folder moved)" : "ended (folder deleted or unmounted)");
                return false;
            }
            if (name == null || name.length == 0) {
                continue;
            }
            String n = FileNames.decode(name);
            String rel = dirRel.isEmpty() ? n : dirRel + "/" + n;
            if (filter.excludes(rel)) {
                continue;
            }
            if (!rel.equals(lastOffered)) {
                queue.offer(new SourcePath(source, rel));
                lastOffered = rel;
            }
            if ((mask & Inotify.IN_ISDIR) != 0) {
                if ((mask & Inotify.IN_MOVED_FROM) != 0) {
                    unwatchSubtree(rel);
                } else if ((mask & (Inotify.IN_CREATE | Inotify.IN_MOVED_TO)) != 0) {
                    watchNewFolder(rel);
                }
            }
        }
        return true;
    }

    private void lost(String how) {
        if (!closing) {
            queue.signal(new SourceSignal(source, SourceSignal.Kind.LOST, "the watch on '" + filter.root() + "' " + how));
        }
    }

    /** A folder moved away (out of the source, or to another name in it, which IN_MOVED_TO watches afresh). */
    private void unwatchSubtree(String rel) {
        List<Integer> wds = new ArrayList<>();
        Integer top = wdByRel.remove(rel);
        if (top != null) {
            wds.add(top);
        }
        Map<String, Integer> below = wdByRel.subMap(rel + "/", rel + "0"); // '0' follows '/': everything under rel/
        wds.addAll(below.values());
        below.clear();
        for (int wd : wds) {
            relByWd.remove(wd);
            try {
                Inotify.inotify_rm_watch(fd, wd);
            } catch (LastErrorException e) {
                // EINVAL: the kernel dropped it already (the folder was deleted meanwhile)
            }
        }
    }

    /** A folder made or moved in: watched first, then listed; everything in it is offered (subfolders watched too). */
    private void watchNewFolder(String rel) {
        Optional<Path> dir = pathOf(rel);
        if (dir.isEmpty()) {
            return;
        }
        try {
            visitor.walkNewFolder(dir.get(), rel, (d, r) -> {
                watch(d, r);
                queue.offer(new SourcePath(source, r));
            }, (f, r) -> queue.offer(new SourcePath(source, r)));
        } catch (IOException | RuntimeException e) {
            if (WatchLimit.isLimit(e)) {
                queue.signal(new SourceSignal(source, SourceSignal.Kind.LIMIT, e.getMessage()));
            } else {
                queue.signal(new SourceSignal(source, SourceSignal.Kind.RESCAN, "watcher error: " + e));
            }
        }
    }

    /** The path of a folder named relative to the root, made from its names' bytes; empty if it cannot be named here. */
    private Optional<Path> pathOf(String rel) {
        Path p = filter.root();
        try {
            for (String name : rel.split("/")) {
                p = FileNames.resolve(p, name);
            }
            return Optional.of(p);
        } catch (java.nio.file.InvalidPathException e) {
            queue.signal(new SourceSignal(source, SourceSignal.Kind.RESCAN, "cannot name a new folder: " + e.getMessage()));
            return Optional.empty();
        }
    }
}
