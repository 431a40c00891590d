package io.keepwatch.notify;

import io.keepwatch.replicate.ReplicationStatus;
import java.util.Optional;

/**
 * What the running service can tell the notifier besides its events: the replicator's status (looked at every tick,
 * for the replication lag) and how far back the backup reaches (asked once per summary). {@code once} has none.
 */
public interface ServiceView {
    ServiceView NONE = new ServiceView() {
        @Override
        public Optional<ReplicationStatus> replication() {
            return Optional.empty();
        }

        @Override
        public Optional<OldestKept> oldestKept() {
            return Optional.empty();
        }
    };

    /** The replicator's status now; empty when the service does not replicate. */
    Optional<ReplicationStatus> replication();

    /** The oldest version and deleted file kept; empty when it cannot be known now (the service stopping). */
    Optional<OldestKept> oldestKept();
}
