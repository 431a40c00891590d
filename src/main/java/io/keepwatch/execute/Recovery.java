package io.keepwatch.execute;

import io.keepwatch.fs.BackupRoot;
import io.keepwatch.fs.UnsafePathException;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.plan.Action;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After a crash: brings the state up to date with what the journaled batches really did on disk. Each
 * action is checked against the backup root (by content hash, not by name alone) and applied to the state
 * only as far as it happened; applying the same batch twice changes nothing. What did not happen is left
 * to the next pass, which sees those files as changed again.
 */
public final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final BackupLayout layout;
    private final HashingCopier hasher;
    private final BackupRoot dirs;

    public Recovery(BackupLayout layout, HashingCopier hasher, BackupRoot dirs) {
        this.layout = layout;
        this.hasher = hasher;
        this.dirs = dirs;
    }

    public void apply(Journal.Batch batch, BackupState state) throws IOException {
        Instant at = batch.at();
        int applied = 0;
        for (Action a : batch.actions()) {
            try {
                if (applyOne(a, state, at)) {
                    applied++;
                }
            } catch (UnsafePathException | UncheckedIOException e) {
                // A journal edited to point outside the backup root, or through a link planted in it: nothing is done.
                log.error("RECOVERY refused {} {}: {}", ActionLog.kind(a), a.ref(), Parallel.reason(e));
            }
        }
        log.warn("RECOVERY: batch {} from {} was interrupted; {} of {} actions had taken effect and are now recorded",
                batch.seq(), at, applied, batch.actions().size());
    }

    private boolean applyOne(Action action, BackupState state, Instant at) throws IOException {
        return action.accept(new Action.Visitor<Boolean, IOException>() {
            @Override
            public Boolean backup(Action.Backup b) throws IOException {
                if (holds(layout.current(b.ref()), b.facts().hash())) {
                    keepOrPut(state, b.ref(), LiveFile.of(b.facts(), at, ""));
                    return true;
                }
                return false;
            }

            @Override
            public Boolean update(Action.Update u) throws IOException {
                Path versionFile = layout.version(u.ref(), u.version());
                boolean archived = dirs.exists(versionFile);
                PathHistory h = state.history(u.ref());
                boolean recorded = h.versions().stream().anyMatch(v -> v.n() == u.version());
                Path current = layout.current(u.ref());
                if (archived && !recorded && holds(layout.copyOf(u.ref(), u.previous()), u.previous().hash())) {
                    // Crashed between linking the old copy as vN.bak and putting the new copy in place: the old
                    // copy is still the current one, so the link is undone and the next pass updates again.
                    dirs.delete(versionFile);
                    return false;
                }
                if (archived && !recorded) {
                    state.putHistory(u.ref(), h.withVersion(VersionRecord.of(u.version(), u.previous().facts(), u.previous().since(), at)));
                }
                if (holds(current, u.facts().hash())) {
                    keepOrPut(state, u.ref(), LiveFile.of(u.facts(), at, ""));
                } else if (archived && !dirs.exists(layout.copyOf(u.ref(), u.previous()))
                        && isLiveWith(state, u.ref(), u.previous().hash())) {
                    // Archived, but the new copy never arrived: the next pass backs the file up again.
                    state.removeLive(u.ref());
                }
                return archived;
            }

            @Override
            public Boolean duplicate(Action.Duplicate d) throws IOException {
                if (holds(layout.duplicate(d.ref()), d.facts().hash())) {
                    keepOrPut(state, d.ref(), LiveFile.of(d.facts(), at, d.original().toString()));
                    return true;
                }
                return false;
            }

            @Override
            public Boolean refresh(Action.Refresh r) {
                // Only the state changed, and the state is what is being recovered: the next pass refreshes again.
                return false;
            }

            @Override
            public Boolean delete(Action.Delete d) throws IOException {
                Path stored = layout.deleted(d.ref().source(), d.stored());
                if (!dirs.exists(layout.copyOf(d.ref(), d.previous()))
                        && holds(stored, d.previous().hash())) {
                    PathHistory h = state.history(d.ref());
                    if (h.deletions().stream().noneMatch(x -> x.stored().equals(d.stored()))) {
                        state.putHistory(d.ref(), h.withDeletion(
                                DeletionRecord.of(d.stored(), d.previous().facts(), d.previous().since(), at)));
                    }
                    if (isLiveWith(state, d.ref(), d.previous().hash())) {
                        state.removeLive(d.ref());
                    }
                    return true;
                }
                return false;
            }

            @Override
            public Boolean pruneVersion(Action.PruneVersion p) throws IOException {
                if (!dirs.exists(layout.version(p.ref(), p.version().n()))) {
                    state.putHistory(p.ref(), state.history(p.ref()).withoutVersions(v -> v.n() == p.version().n()));
                    return true;
                }
                return false;
            }

            @Override
            public Boolean pruneDeleted(Action.PruneDeleted p) throws IOException {
                if (!dirs.exists(layout.deleted(p.ref().source(), p.deletion().stored()))) {
                    state.putHistory(p.ref(), state.history(p.ref())
                            .withoutDeletions(x -> x.stored().equals(p.deletion().stored())));
                    return true;
                }
                return false;
            }
        });
    }

    private static boolean isLiveWith(BackupState state, FileRef ref, String hash) {
        return state.live(ref).map(l -> l.hash().equals(hash)).orElse(false);
    }

    /** Records {@code entry} unless the state already holds that content there (keeping its original time). */
    private static void keepOrPut(BackupState state, FileRef ref, LiveFile entry) {
        Optional<LiveFile> live = state.live(ref);
        if (live.isEmpty() || !live.get().hash().equals(entry.hash())) {
            state.putLive(ref, entry);
        }
    }

    private boolean holds(Path file, String hash) throws IOException {
        return dirs.attributes(file).map(a -> a.isRegularFile()).orElse(false) && hasher.hashOf(dirs.check(file)).equals(hash);
    }
}
