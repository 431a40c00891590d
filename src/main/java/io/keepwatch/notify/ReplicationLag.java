package io.keepwatch.notify;

import io.keepwatch.replicate.ReplicationStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * How long the repository the service replicates into has been behind the backup, from the replicator's status at
 * each look. {@code ReplicationStatus.lag} is the age of what the repository holds, which grows over a quiet weekend
 * with nothing to push; behind is measured instead from the later of the start of the last push that succeeded and
 * the last look that found the replicator in sync (nothing pending); before either, from when the watch began. Not
 * thread-safe (used under the notifier's lock).
 */
final class ReplicationLag {
    private final Instant watchFrom;
    /** The last look that found the replicator in sync; null: none yet. */
    private Instant seenInSync;

    ReplicationLag(Instant watchFrom) {
        this.watchFrom = watchFrom;
    }

    static boolean inSync(ReplicationStatus r) {
        return ReplicationStatus.IN_SYNC.equals(r.state()); // the repository holds the backup as it is on disk
    }

    /** A look at the replicator at {@code now}. */
    void look(ReplicationStatus r, Instant now) {
        if (inSync(r)) {
            seenInSync = now;
        }
    }

    /** Since when the repository has been behind the backup. */
    Instant behindSince(ReplicationStatus r) {
        return caughtUp(r).orElse(watchFrom);
    }

    /** When the repository last held the backup as it was, as far as anything showed it (a restart alone shows nothing). */
    Optional<Instant> caughtUp(ReplicationStatus r) {
        Instant a = r.inSyncAt();
        Instant b = seenInSync;
        return Optional.ofNullable(a == null ? b : b == null || a.isAfter(b) ? a : b);
    }
}
