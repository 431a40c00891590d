package io.keepwatch.engine;

import io.keepwatch.execute.Executor;
import io.keepwatch.execute.Journal;
import io.keepwatch.execute.Parallel;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of making the state durable. The engine tells it what each batch changed ({@link #noteBatch},
 * {@link #noteFolders}, {@link #markDirty}); it decides, by its {@link CommitPolicy}, when the folders the moves
 * changed are fsynced, the state is saved and the journaled batches it now includes are forgotten. Every batch is
 * in the journal before it touches the backup, so until a commit lands a crash is recovered from the journal.
 *
 * <p>Used from the engine's thread; a {@link #flushIfDue} save is written on a thread of its own, one at a time.
 */
final class StateCommitter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateCommitter.class);

    /** Makes folders durable (the executor's fsync of the folders a batch changed). */
    interface FolderSync {
        void sync(Set<Path> folders) throws IOException;
    }

    private final BackupState state;
    private final StateStore store;
    private final Journal journal;
    private final FolderSync folders;
    private final Clock clock;
    private CommitPolicy policy;

    private boolean dirty;
    /** The last journal batch not yet included in a saved state (0: none). */
    private long uncommittedSeq;
    /** Actions journaled since the last commit (see {@link CommitPolicy#passActions}). */
    private int uncommittedActions;
    /** Folders changed by journaled batches and not yet fsynced: done right before the state that records them is saved. */
    private final Set<Path> unsyncedFolders = new LinkedHashSet<>();
    private Instant lastFlush;

    /** The one thread that writes state.json for {@link #flushIfDue}; made on first use. */
    private ExecutorService saver;
    /** The background save in progress (or finished and not yet looked at), what it covers. */
    private Optional<Future<?>> saving = Optional.empty();
    private long savingSeq;
    private Set<Path> savingFolders = Set.of();

    StateCommitter(BackupState state, StateStore store, Journal journal, FolderSync folders, Clock clock, CommitPolicy policy) {
        this.state = state;
        this.store = store;
        this.journal = journal;
        this.folders = folders;
        this.clock = clock;
        this.policy = policy;
        this.lastFlush = clock.instant();
    }

    CommitPolicy policy() {
        return policy;
    }

    void setPolicy(CommitPolicy policy) {
        this.policy = policy;
    }

    /** A batch ran: what it journaled and the folders it changed. */
    void noteBatch(Executor.Outcome o, int actions) {
        unsyncedFolders.addAll(o.touchedFolders());
        uncommittedActions += actions;
        if (o.journalSeq() != 0) {
            uncommittedSeq = o.journalSeq();
            dirty = true;
        }
    }

    /** Folders changed outside a journaled batch (staging leftovers removed, empty folders mirrored). */
    void noteFolders(Set<Path> changed) {
        unsyncedFolders.addAll(changed);
    }

    /** The state changed outside a journaled batch (a source's device, empty folders). */
    void markDirty() {
        dirty = true;
    }

    boolean hasUncommittedChanges() {
        return dirty;
    }

    /** Whether a background save is still being written. */
    boolean isSaving() {
        return saving.isPresent() && !saving.get().isDone();
    }

    /** Whether a full pass has journaled enough since its last commit to commit now. */
    boolean passCommitDue() {
        return uncommittedSeq != 0 && uncommittedActions >= policy.passActions();
    }

    /**
     * The service's tick: when there are changes and {@link CommitPolicy#flushInterval} has passed since the last
     * flush, starts saving them on the saver thread and returns; the engine thread goes on meanwhile. One save at a
     * time: while one runs, this does nothing. A save that failed is reported here (its changes still to save).
     *
     * @return when a flush is due next, if there is anything to flush
     */
    Optional<Instant> flushIfDue(Instant now) throws IOException {
        if (saving.isPresent() && saving.get().isDone()) {
            awaitBackgroundSave(); // a failure is reported at the next tick, its changes to save again
        }
        if (!dirty) {
            return Optional.empty();
        }
        Instant due = lastFlush.plus(policy.flushInterval());
        if (now.isBefore(due)) {
            return Optional.of(due);
        }
        lastFlush = now;
        if (saving.isPresent()) {
            return Optional.of(now.plus(policy.flushInterval()));
        }
        StateStore.Snapshot snapshot = store.snapshot(state);
        Set<Path> syncing = Set.copyOf(unsyncedFolders);
        long seq = uncommittedSeq;
        if (saver == null) {
            saver = Executors.newSingleThreadExecutor(Threads.named("keepwatch-state-save"));
        }
        saving = Optional.of(saver.submit(() -> {
            folders.sync(syncing);
            store.write(snapshot);
            if (seq != 0) {
                journal.clearThrough(seq);
            }
            return null;
        }));
        savingSeq = seq;
        savingFolders = syncing;
        unsyncedFolders.clear();
        dirty = false;
        uncommittedSeq = 0;
        uncommittedActions = 0;
        return Optional.empty();
    }

    /** Makes every change durable now (waiting for a background save first), then forgets the journaled batches. */
    void commit() throws IOException {
        try {
            awaitBackgroundSave();
        } catch (IOException | RuntimeException e) {
            if (saving.isPresent()) {
                throw e; // interrupted while it still runs: never two writers of state.json
            }
            log.warn("The last background save of the state failed ({}); saving it now", Parallel.reason(e));
        }
        if (!dirty) {
            return;
        }
        folders.sync(unsyncedFolders);
        unsyncedFolders.clear();
        store.save(state);
        if (uncommittedSeq != 0) {
            journal.clearThrough(uncommittedSeq);
            uncommittedSeq = 0;
        }
        uncommittedActions = 0;
        dirty = false;
        lastFlush = clock.instant();
    }

    /**
     * Waits for the background save, if any. If it failed, its changes are uncommitted again and its error is
     * thrown; if the wait was interrupted, the save is still running and stays the one in progress.
     */
    private void awaitBackgroundSave() throws IOException {
        if (saving.isEmpty()) {
            return;
        }
        Future<?> f = saving.get();
        try {
            Parallel.get(f);
            saving = Optional.empty();
        } catch (IOException | RuntimeException e) {
            if (f.isDone()) {
                saving = Optional.empty();
                dirty = true;
                uncommittedSeq = Math.max(uncommittedSeq, savingSeq);
                unsyncedFolders.addAll(savingFolders);
            }
            throw e;
        }
    }

    /** Stops the saver thread without saving anything more (a crash, as tests simulate it). */
    void abandon() throws InterruptedException {
        if (saver != null) {
            saver.shutdownNow();
            saver.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Commits, then stops the saver thread. */
    @Override
    public void close() throws IOException {
        try {
            commit();
        } finally {
            if (saver != null) {
                saver.shutdownNow();
            }
        }
    }
}
