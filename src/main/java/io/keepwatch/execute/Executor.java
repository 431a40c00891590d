package io.keepwatch.execute;

import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.FailureReason;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.BackupRoot;
import io.keepwatch.plan.Action;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Performs a batch of actions on the backup root and applies each one that succeeded to the state.
 *
 * <p>Order of work: choose the names deleted files get, record the batch in the {@link Journal} (fsynced),
 * move files into place (renames only: new content was staged and fsynced beforehand). The folders that
 * changed are returned, not fsynced: the caller fsyncs them ({@link #syncFolders}) before it saves a state that
 * records the moves, and clears the journal after that save. Until then a crash is recovered from the
 * journal, which checks every move on disk, so batches need no fsync of their own. Nothing is ever
 * overwritten: a version number or a deleted name that is taken makes that one action fail, with its
 * path and reason, and the rest of the batch goes on. Folders are made owner-only and take their source folder's
 * mode at the end of the batch ({@link FolderModes}).
 *
 * <p>Each kind of action is done by one method of {@link Perform}, an {@link Action.Visitor}: a new kind of action
 * does not compile until it is handled here, in {@link Tally} and in {@link Recovery}. The lines the actions log,
 * and the events told with them, are {@link ActionLog}'s.
 *
 * <p>Over 400 lines: one method per kind of action, the batch around them, and the folder work a batch leaves
 * (empty folders removed or mirrored, folders fsynced); the folder work is the next to move out.
 */
public final class Executor {
    private static final Logger log = LoggerFactory.getLogger(Executor.class);

    private final BackupLayout layout;
    private final Fs fs;
    private final Journal journal;
    private final ExecutorService ioPool;
    private final EngineListener events;
    private final ActionLog lines;
    private final FolderModes folderModes;

    /** {@code events} hears of every action done (or failed) where its log line is written. */
    public Executor(BackupLayout layout, Fs fs, Journal journal, ExecutorService ioPool, Map<String, Path> sourceRoots,
            EngineListener events) {
        this.layout = layout;
        this.fs = fs;
        this.journal = journal;
        this.ioPool = ioPool;
        this.events = events;
        this.lines = new ActionLog(layout.root(), sourceRoots, events);
        this.folderModes = new FolderModes(layout, sourceRoots);
    }

    /**
     * What a batch did. {@code journalSeq} is 0 when there was nothing to do. {@code tally}: what it counted,
     * its FAILED lines included, for the pass to add to its own. {@code touchedFolders}: the folders whose
     * entries changed, to fsync before a state that records this batch is saved.
     */
    public record Outcome(long journalSeq, Tally tally, List<Action> failedActions, Set<Path> touchedFolders) {
        public Counts counts() {
            return tally.counts();
        }
    }

    /**
     * Runs the actions in order. Throws only when the batch could not be journaled (then nothing was
     * moved); a failing action is logged, counted and skipped.
     */
    public Outcome run(List<Action> actions, BackupState state, Instant now) throws IOException {
        Tally counts = new Tally();
        if (actions.isEmpty()) {
            return new Outcome(0, counts, List.of(), Set.of());
        }
        // Checked afresh for every batch: a link planted in the backup root since the last one is found.
        BackupRoot dirs = new BackupRoot(layout.root(), fs);
        List<Action> prepared = prepare(actions, state);
        long seq = journal.append(now, prepared);
        Set<Path> touched = new LinkedHashSet<>();
        Set<Path> emptiedMirrorDirs = new HashSet<>();
        List<Action> failedActions = new ArrayList<>();
        Perform perform = new Perform(state, now, dirs, touched, emptiedMirrorDirs);
        for (Action a : prepared) {
            try {
                a.accept(perform);
                counts.count(a);
            } catch (IOException | RuntimeException e) {
                counts.fail(new EngineEvent.Failure(now, a.ref().source(), a.ref().rel(), FailureReason.of(e, FailureReason.OTHER),
                        ActionLog.describe(a) + ": " + Parallel.reason(e)), events);
                failedActions.add(a);
            }
        }
        removeEmptyFolders(layout, dirs, emptiedMirrorDirs, touched);
        // Made owner-only (BackupRoot.mkdirs), filled: now they take their source folder's mode.
        folderModes.apply(touched);
        return new Outcome(seq, counts, failedActions, touched);
    }

    /** Picks a free name under {@code _deleted/} for every deletion (never overwriting an earlier one). */
    private List<Action> prepare(List<Action> actions, BackupState state) throws IOException {
        Set<String> claimed = new HashSet<>();
        List<Action> out = new ArrayList<>(actions.size());
        for (Action a : actions) {
            if (a instanceof Action.Delete d) {
                String stored = DeletedNames.choose(fs, layout.deletedRoot(d.ref().source()), d.ref().rel(),
                        s -> claimed.contains(d.ref().source() + "/" + s));
                claimed.add(d.ref().source() + "/" + stored);
                out.add(d.withStored(stored));
            } else {
                out.add(a);
            }
        }
        return out;
    }

    /**
     * Does one action on the backup root and records it in the state; one method per kind of action, each writing
     * its lines through {@link ActionLog}.
     */
    private final class Perform implements Action.Visitor<Void, IOException> {
        private final BackupState state;
        private final Instant now;
        private final BackupRoot dirs;
        private final Set<Path> touched;
        private final Set<Path> emptied;

        Perform(BackupState state, Instant now, BackupRoot dirs, Set<Path> touched, Set<Path> emptied) {
            this.state = state;
            this.now = now;
            this.dirs = dirs;
            this.touched = touched;
            this.emptied = emptied;
        }

        @Override
        public Void backup(Action.Backup b) throws IOException {
            Path dest = layout.current(b.ref());
            moveInto(staged(b.staged()), dest, dirs, touched);
            state.putLive(b.ref(), LiveFile.of(b.facts(), now, ""));
            lines.backedUp(b, dest, now);
            return null;
        }

        @Override
        public Void update(Action.Update u) throws IOException {
            Path current = layout.copyOf(u.ref(), u.previous());
            Path version = layout.version(u.ref(), u.version());
            Path dest = layout.current(u.ref());
            boolean archived = false;
            if (dirs.exists(current)) {
                dirs.mkdirs(version.getParent());
                if (linkVersion(dirs, version, current)) {
                    // The old copy is now also vN.bak; the new one replaces it atomically, so a reader never
                    // finds the current copy missing.
                    if (current.equals(dest)) {
                        dirs.replace(staged(u.staged()), dest);
                        addWithParents(dest.getParent(), touched);
                    } else {
                        dirs.delete(current);
                        touched.add(current.getParent());
                        emptied.add(current.getParent());
                        moveInto(staged(u.staged()), dest, dirs, touched);
                    }
                } else {
                    moveInto(current, version, dirs, touched);
                    touched.add(current.getParent());
                    moveInto(staged(u.staged()), dest, dirs, touched);
                }
                addWithParents(version.getParent(), touched);
                archived = true;
                lines.versionArchived(u, current, version, now);
            } else {
                lines.versionLost(u, current);
                moveInto(staged(u.staged()), dest, dirs, touched);
            }
            PathHistory h = state.history(u.ref());
            state.putHistory(u.ref(), archived
                    ? h.withVersion(VersionRecord.of(u.version(), u.previous().facts(), u.previous().since(), now))
                    : h.withLastVersion(u.version()));
            state.putLive(u.ref(), LiveFile.of(u.facts(), now, ""));
            lines.updated(u, dest, now);
            return null;
        }

        @Override
        public Void duplicate(Action.Duplicate d) throws IOException {
            Path dest = layout.duplicate(d.ref());
            LiveFile original = state.live(d.original()).orElseThrow(() -> new NoSuchFileException(
                    d.original().toString(), null, "the original of duplicate " + d.ref() + " is no longer live"));
            Path originalCopy = layout.copyOf(d.original(), original);
            Path staged = staged(d.staged());
            dirs.mkdirs(dest.getParent());
            try {
                dirs.hardLink(dest, originalCopy);
                dirs.deleteIfExists(staged);
            } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
                throw e instanceof FileAlreadyExistsException f ? f : new IOException(e);
            } catch (io.keepwatch.fs.UnsafePathException e) {
                throw e;
            } catch (FileSystemException e) {
                // No hard links here (FAT, some network shares, link count limit): keep the staged copy.
                log.debug("hard link {} -> {} failed ({}); keeping a copy", dest, originalCopy, e.getMessage());
                dirs.moveNoReplace(staged, dest);
            }
            addWithParents(dest.getParent(), touched);
            // The staged copy was made beside the mirror's copy; a folder made just for it is now empty.
            touched.add(staged.getParent());
            emptied.add(staged.getParent());
            state.putLive(d.ref(), LiveFile.of(d.facts(), now, d.original().toString()));
            lines.duplicateKept(d, dest, now);
            return null;
        }

        @Override
        public Void refresh(Action.Refresh r) throws IOException {
            LiveFile live = state.live(r.ref()).orElseThrow(() -> new NoSuchFileException(r.ref().toString()));
            state.putLive(r.ref(), live.withFacts(r.facts()));
            lines.refreshed(r);
            return null;
        }

        @Override
        public Void delete(Action.Delete d) throws IOException {
            Path copy = layout.copyOf(d.ref(), d.previous());
            Path dest = layout.deleted(d.ref().source(), d.stored());
            if (dirs.exists(copy)) {
                moveInto(copy, dest, dirs, touched);
                touched.add(copy.getParent());
                emptied.add(copy.getParent());
                state.putHistory(d.ref(), state.history(d.ref()).withDeletion(
                        DeletionRecord.of(d.stored(), d.previous().facts(), d.previous().since(), now)));
                lines.deletionArchived(d, copy, dest, now);
            } else {
                lines.deletionCopyMissing(copy);
            }
            state.removeLive(d.ref());
            lines.stateRemoved(d);
            return null;
        }

        @Override
        public Void pruneVersion(Action.PruneVersion p) throws IOException {
            Path file = layout.version(p.ref(), p.version().n());
            prune(file);
            state.putHistory(p.ref(), state.history(p.ref()).withoutVersions(v -> v.n() == p.version().n()));
            lines.pruned(p.ref(), file, p.reason(), now);
            return null;
        }

        @Override
        public Void pruneDeleted(Action.PruneDeleted p) throws IOException {
            Path file = layout.deleted(p.ref().source(), p.deletion().stored());
            prune(file);
            state.putHistory(p.ref(), state.history(p.ref()).withoutDeletions(x -> x.stored().equals(p.deletion().stored())));
            lines.pruned(p.ref(), file, p.reason(), now);
            return null;
        }

        private void prune(Path file) throws IOException {
            // A link at `file` is left alone (and the retention fails, saying so): keepwatch made no links.
            if (!dirs.exists(file) || !dirs.deleteIfExists(file)) {
                lines.pruneFileGone(file);
            }
            touched.add(file.getParent());
            emptied.add(file.getParent());
        }
    }

    /**
     * Hard-links the current copy as a version. False where the filesystem has no hard links (the caller
     * then moves it instead); an existing version file is never replaced (FileAlreadyExistsException).
     */
    private boolean linkVersion(BackupRoot dirs, Path version, Path current) throws IOException {
        try {
            dirs.hardLink(version, current);
            return true;
        } catch (FileAlreadyExistsException | io.keepwatch.fs.UnsafePathException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            log.debug("hard link {} -> {} not possible ({}); moving instead", version, current, e.toString());
            return false;
        }
    }

    /** Renames into place, creating real folders on the way; an empty folder left at the target is replaced. */
    private void moveInto(Path from, Path to, BackupRoot dirs, Set<Path> touched) throws IOException {
        dirs.mkdirs(to.getParent());
        try {
            dirs.moveNoReplace(from, to);
        } catch (FileAlreadyExistsException e) {
            if (!dirs.attributes(to).map(a -> a.isDirectory() && !a.isSymbolicLink()).orElse(false)) {
                throw new FileAlreadyExistsException(to.toString(), null,
                        "already exists and is not recorded in state.json; keepwatch never overwrites it (move it away or run `keepwatch rebuild-state`)");
            }
            try {
                dirs.delete(to);
            } catch (DirectoryNotEmptyException d) {
                throw new FileAlreadyExistsException(to.toString(), null, "is a folder that is not empty");
            }
            dirs.forget(to);
            dirs.moveNoReplace(from, to);
        }
        addWithParents(to.getParent(), touched);
    }

    private void addWithParents(Path dir, Set<Path> touched) {
        for (Path p = dir; p != null && p.startsWith(layout.root()); p = p.getParent()) {
            if (!touched.add(p)) {
                break;
            }
        }
    }

    /**
     * Removes those of {@code folders} that are empty, and the parents that leaves empty, up to the top of their
     * area (for folders made to stage copies in that were not used). Returns the folders whose entries changed.
     */
    public Set<Path> removeEmptyFolders(Collection<Path> folders) {
        Set<Path> touched = new LinkedHashSet<>();
        removeEmptyFolders(layout, new BackupRoot(layout.root(), fs), folders, touched);
        return touched;
    }

    /**
     * Keeps a source's empty folders in its mirror: those of {@code ended} that are empty are removed (with the
     * parents that leaves empty; a folder with anything in it stays), then each of {@code made} is created and
     * given, with the folders above it, its source folder's mode. Returns the folders whose entries changed.
     */
    public Set<Path> mirrorEmptyFolders(String source, Collection<String> made, Collection<String> ended) throws IOException {
        Set<Path> touched = new LinkedHashSet<>();
        BackupRoot dirs = new BackupRoot(layout.root(), fs);
        Path mirror = layout.sourceMirror(source);
        List<Path> endedDirs = new ArrayList<>();
        for (String rel : ended) {
            endedDirs.add(dirs.resolve(mirror, rel)); // read clean from state.json (RelPath), checked again
        }
        removeEmptyFolders(layout, dirs, endedDirs, touched);
        for (String rel : made) {
            Path dir = BackupLayout.resolve(mirror, rel);
            dirs.mkdirs(dir);
            lines.emptyFolderBackedUp(source, rel, dir);
            List<Path> chain = new ArrayList<>();
            for (Path p = dir; p != null && !p.equals(mirror) && p.startsWith(mirror); p = p.getParent()) {
                chain.add(p);
            }
            folderModes.apply(chain);
            touched.add(dir.getParent());
        }
        return touched;
    }

    /**
     * Removes folders a deletion or retention emptied, up to the top of their area; a folder that is not a real
     * folder of the backup root (a link on the way) is left alone.
     */
    static void removeEmptyFolders(BackupLayout layout, BackupRoot dirs, Collection<Path> emptied, Set<Path> touched) {
        List<Path> deepestFirst = new ArrayList<>(emptied);
        deepestFirst.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        for (Path dir : deepestFirst) {
            int keep = areaDepth(layout, dir);
            for (Path p = dir; p != null && p.startsWith(layout.root()) && p.getNameCount() > keep; p = p.getParent()) {
                try (var entries = dirs.list(p)) {
                    if (entries.iterator().hasNext()) {
                        break;
                    }
                } catch (IOException e) {
                    break;
                }
                try {
                    dirs.delete(p);
                    touched.add(p.getParent());
                } catch (IOException e) {
                    log.debug("could not remove empty folder {}: {}", p, e.toString());
                    break;
                }
            }
        }
    }

    /**
     * How deep the folders are that must stay even when empty: {@code <root>/<source>} for the mirror,
     * {@code <root>/versions/<source>} (and likewise {@code _deleted}, {@code _duplicates}) for the others.
     */
    private static int areaDepth(BackupLayout layout, Path dir) {
        int root = layout.root().getNameCount();
        if (dir.getNameCount() > root) {
            String top = dir.getName(root).toString();
            if (top.equals(BackupLayout.VERSIONS) || top.equals(BackupLayout.DELETED) || top.equals(BackupLayout.DUPLICATES)) {
                return root + 2;
            }
        }
        return root + 1;
    }

    /**
     * Makes the changes to these folders' entries durable: one filesystem-wide flush for many, else an fsync of
     * each (many at once). Folders gone since are passed over. Safe to call from any thread.
     */
    public void syncFolders(Set<Path> dirs) throws IOException {
        if (dirs.size() >= 64 && fs.syncFileSystem(layout.root())) {
            return;
        }
        List<Future<?>> pending = new ArrayList<>();
        for (Path d : dirs) {
            if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                pending.add(ioPool.submit(() -> {
                    fs.syncDirectory(d);
                    return null;
                }));
            }
        }
        Parallel.awaitAll(pending);
    }

    private Path staged(String name) {
        return layout.staged(name);
    }




}
