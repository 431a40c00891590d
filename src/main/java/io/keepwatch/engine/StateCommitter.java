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
 * changed are fsynced and the changes recorded, and how: appended to the change log (one fsynced entry of the records
 * that changed), or, once the log passes its share of state.json's size or its interval, state.json written whole
 * (which drops the log entries it includes). Then the journaled batches the commit includes are forgotten. Every
 * batch is in the journal before it touches the backup, so until a commit lands a crash is recovered from the
 * journal. Used from the engine's thread only.
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
    /** The last journal batch not yet included in a commit (0: none). */
    private long uncommittedSeq;
    /** Actions journaled since the last commit (see {@link CommitPolicy#passCommitDue}). */
    private int uncommittedActions;
    /** How many records the state held at the last commit (when loaded, before the first). */
    private long recordsAtLastCommit;
    /** Folders changed by journaled batches and not yet fsynced: done right before the commit that records them. */
    private final Set<Path> unsyncedFolders = new LinkedHashSet<>();
    private Instant lastFlush;
    /** When state.json was last written whole, its size, and the change log's size since. */
    private Instant lastRewrite;
    private long stateBytes;
    private long logBytes;
    /** A commit failed after the state's changes were taken: only a whole rewrite records them now. */
    private boolean rewriteNeeded;
    /** Changes were appended to the log since the metadata index was last written. */
    private boolean indexStale;

    StateCommitter(BackupState state, StateStore store, Journal journal, FolderSync folders, Clock clock, CommitPolicy policy)
            throws IOException {
        this.state = state;
        this.store = store;
        this.journal = journal;
        this.folders = folders;
        this.clock = clock;
        this.policy = policy;
        this.lastFlush = clock.instant();
        this.lastRewrite = clock.instant();
        this.stateBytes = store.fileSize();
        this.logBytes = store.changes().bytes();
        this.recordsAtLastCommit = state.totalLive();
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

    /** When the changes were last made durable (or the committer made). */
    Instant lastFlush() {
        return lastFlush;
    }

    boolean hasUncommittedChanges() {
        return dirty;
    }

    /** Whether changes were appended to the log since the metadata index was written (a pass then writes it). */
    boolean indexStale() {
        return indexStale;
    }

    void indexWritten() {
        indexStale = false;
    }

    /** Whether a full pass has journaled enough since its last commit to commit now (see {@link CommitPolicy#passCommitDue}). */
    boolean passCommitDue() {
        return uncommittedSeq != 0 && policy.passCommitDue(uncommittedActions, recordsAtLastCommit);
    }

    /**
     * The service's tick: commits when there are changes and {@link CommitPolicy#flushInterval} has passed since the
     * last commit.
     *
     * @return when a commit is due next, if there is anything to commit
     */
    Optional<Instant> flushIfDue(Instant now) throws IOException {
        if (!dirty) {
            return Optional.empty();
        }
        Instant due = lastFlush.plus(policy.flushInterval());
        if (now.isBefore(due)) {
            return Optional.of(due);
        }
        lastFlush = now; // a failed commit is tried again one interval later
        commit();
        return Optional.empty();
    }

    /** Makes every change durable now, then forgets the journaled batches the commit includes. */
    void commit() throws IOException {
        if (!dirty) {
            return;
        }
        folders.sync(unsyncedFolders);
        unsyncedFolders.clear();
        Instant now = clock.instant();
        if (state.partial()) {
            appendPart();
        } else if (rewriteNeeded || stateBytes == 0 || policy.changesTooMany(state.changeCount(), state.totalLive())) {
            rewrite(now);
        } else {
            try {
                logBytes += store.appendChanges(state);
            } catch (IOException | RuntimeException e) {
                rewriteNeeded = true; // the changes were taken: only a whole state.json holds them now
                throw e;
            }
            indexStale = true;
            if (policy.logTooLarge(logBytes, stateBytes) || !now.isBefore(lastRewrite.plus(policy.rewriteInterval()))) {
                rewrite(now);
            }
        }
        if (uncommittedSeq != 0) {
            journal.clearThrough(uncommittedSeq);
            uncommittedSeq = 0;
        }
        uncommittedActions = 0;
        recordsAtLastCommit = state.totalLive();
        dirty = false;
        lastFlush = now;
    }

    /**
     * A state loaded in part ({@link StateStore#loadPart}) is only ever appended to the log, never written whole: a pass
     * on it decides to run only when its changes are few and the log is short (see {@code ChangedPass}). If an append
     * fails after taking the changes, nothing can record them any more: every later commit fails too, and the journal
     * keeps the batches for the next start, which loads the state whole and recovers them.
     */
    private void appendPart() throws IOException {
        if (rewriteNeeded) {
            throw new IOException("the state loaded in part could not be appended to the change log; the journal keeps "
                    + "the batches, and the next start recovers them");
        }
        try {
            logBytes += store.appendChanges(state);
        } catch (IOException | RuntimeException e) {
            rewriteNeeded = true;
            throw e;
        }
        indexStale = true;
    }

    private void rewrite(Instant now) throws IOException {
        rewriteNeeded = true;
        store.save(state);
        rewriteNeeded = false;
        indexStale = false;
        lastRewrite = now;
        stateBytes = store.fileSize();
        // What the log still holds now is kept for its consumers only (state.json includes it): not counted, or a
        // consumer that lags would make every commit a rewrite.
        logBytes = 0;
        if (log.isDebugEnabled()) {
            log.debug("state.json written whole ({} bytes; change log kept for its consumers: {} bytes)", stateBytes,
                    store.changes().bytes());
        }
    }

    /** Commits, then closes the change log. */
    @Override
    public void close() throws IOException {
        try {
            commit();
        } finally {
            store.changes().close();
        }
    }
}
