package io.keepwatch.engine;

import io.keepwatch.execute.Executor;
import io.keepwatch.execute.Tally;
import io.keepwatch.plan.Action;
import io.keepwatch.state.BackupState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.List;

/**
 * What a pass asks of the backup root, between the executor that does it and the {@link StateCommitter} that must hear
 * of it: a batch of actions (its counts added to the pass's), the folders made or removed beside them, and the
 * commit a full pass makes when its policy says so.
 */
final class BatchRunner {
    private final Executor executor;
    private final StateCommitter committer;
    private final BackupState state;
    private final Clock clock;

    BatchRunner(Executor executor, StateCommitter committer, BackupState state, Clock clock) {
        this.executor = executor;
        this.committer = committer;
        this.state = state;
        this.clock = clock;
    }

    /** Runs a batch (see {@link Executor#run}), adds what it counted to {@code counts}, and tells the committer of it. */
    Executor.Outcome run(List<Action> actions, Tally counts) throws IOException {
        Executor.Outcome outcome = executor.run(actions, state, clock.instant());
        counts.add(outcome.tally());
        committer.noteBatch(outcome, actions.size());
        return outcome;
    }

    /** Removes those of {@code folders} that are empty, and the parents that leaves empty (made to stage copies in). */
    void removeEmptyFolders(Collection<Path> folders) {
        committer.noteFolders(executor.removeEmptyFolders(folders));
    }

    /** Keeps a source's empty folders in its mirror (see {@link Executor#mirrorEmptyFolders}); the state changed. */
    void mirrorEmptyFolders(String source, Collection<String> made, Collection<String> ended) throws IOException {
        committer.markDirty();
        committer.noteFolders(executor.mirrorEmptyFolders(source, made, ended));
    }

    /** The state changed outside a batch (a source's device). */
    void markDirty() {
        committer.markDirty();
    }

    /** A full pass's commit point: commits if its policy says the pass has done enough since the last one. */
    void commitIfPassDue() throws IOException {
        if (committer.passCommitDue()) {
            committer.commit();
        }
    }
}
