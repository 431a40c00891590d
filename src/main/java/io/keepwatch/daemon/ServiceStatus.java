package io.keepwatch.daemon;

import io.keepwatch.events.SourceState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code .keepwatch/status.json} says.
 *
 * @param running false once the service stopped cleanly
 * @param activity what the engine thread is doing (e.g. {@code idle}, {@code full pass of docs})
 * @param queueDepth changed paths waiting in the watch queue
 * @param pendingPaths changed paths waiting for their debounce period
 * @param counts actions since start: backed_up, updated, duplicates, deleted, unchanged, failed, pruned
 * @param config the config file the service runs with; empty in a status file of a keepwatch that did not say
 */
public record ServiceStatus(long pid, Instant startedAt, Instant updatedAt, boolean running, String activity,
        List<Source> sources, Optional<Instant> lastBatchAt, int queueDepth, int pendingPaths, Map<String, Long> counts,
        Optional<Instant> lastErrorAt, Optional<String> lastError, Optional<ConfigInUse> config) {

    public ServiceStatus {
        sources = List.copyOf(sources);
        counts = Map.copyOf(counts);
    }

    /**
     * The config file the service loaded at its start, and the SHA-256 (hex) of the bytes it read then; empty when
     * the service was not told them.
     */
    public record ConfigInUse(String file, Optional<String> sha256) {
    }

    /**
     * One source: its state, the folders watched, and why it is not OK; what the deletion guard holds (and why),
     * and its folders that are unavailable (unmounted mount points, by relative path, with the reason).
     */
    public record Source(String name, String path, SourceState state, int foldersWatched, Optional<String> reason,
            int heldDeletions, Optional<String> heldReason, Map<String, String> unavailableFolders) {
        public Source {
            unavailableFolders = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(unavailableFolders));
        }

        public Source(String name, String path, SourceState state, int foldersWatched, Optional<String> reason) {
            this(name, path, state, foldersWatched, reason, 0, Optional.empty(), Map.of());
        }
    }
}
