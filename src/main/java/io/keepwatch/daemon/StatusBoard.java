package io.keepwatch.daemon;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.SourceState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntSupplier;

/** What the service is doing, updated by the engine thread and read by the heartbeat that writes the status file. */
final class StatusBoard {
    private final Clock clock;
    private final Instant startedAt;
    private final IntSupplier queueDepth;
    private final ServiceStatus.ConfigInUse config;
    private final Map<String, ServiceStatus.Source> sources = new LinkedHashMap<>();
    private Counts counts = Counts.ZERO;
    private boolean running = true;
    private String activity = "starting";
    private Instant lastBatchAt;
    private int pendingPaths;
    private Instant lastErrorAt;
    private String lastError;

    StatusBoard(Clock clock, List<SourceConfig> configured, IntSupplier queueDepth, ServiceStatus.ConfigInUse config) {
        this.clock = clock;
        this.config = config;
        this.startedAt = clock.instant();
        this.queueDepth = queueDepth;
        for (SourceConfig s : configured) {
            sources.put(s.name(), new ServiceStatus.Source(s.name(), s.path().toString(), SourceState.UNAVAILABLE, 0,
                    Optional.of("not registered yet")));
        }
    }

    synchronized void source(String name, SourceState state, int folders, Optional<String> reason) {
        ServiceStatus.Source old = sources.get(name);
        sources.put(name, new ServiceStatus.Source(name, old.path(), state, folders, reason, old.heldDeletions(), old.heldReason(),
                old.unavailableFolders()));
    }

    /** What the deletion guard holds in a source, and its folders that are unavailable. */
    synchronized void guard(String name, int held, Optional<String> why, Map<String, String> unavailableFolders) {
        ServiceStatus.Source old = sources.get(name);
        sources.put(name, new ServiceStatus.Source(name, old.path(), old.state(), old.foldersWatched(), old.reason(), held, why,
                unavailableFolders));
    }

    synchronized void activity(String what) {
        activity = what;
    }

    synchronized void batchDone(Counts c) {
        counts = counts.plus(c);
        lastBatchAt = clock.instant();
    }

    synchronized void passDone(Counts c) {
        counts = counts.plus(c);
    }

    synchronized void pending(int n) {
        pendingPaths = n;
    }

    synchronized void error(String message) {
        lastErrorAt = clock.instant();
        lastError = message;
    }

    synchronized void stopped() {
        running = false;
        activity = "stopped";
    }

    synchronized ServiceStatus snapshot() {
        Map<String, Long> c = new LinkedHashMap<>();
        c.put("backed_up", (long) counts.backedUp());
        c.put("updated", (long) counts.updated());
        c.put("duplicates", (long) counts.duplicates());
        c.put("deleted", (long) counts.deleted());
        c.put("unchanged", (long) counts.unchanged());
        c.put("failed", (long) counts.failed());
        c.put("pruned", (long) counts.pruned());
        return new ServiceStatus(ProcessHandle.current().pid(), startedAt, clock.instant(), running, activity,
                new ArrayList<>(sources.values()), Optional.ofNullable(lastBatchAt), queueDepth.getAsInt(), pendingPaths, c,
                Optional.ofNullable(lastErrorAt), Optional.ofNullable(lastError), Optional.of(config));
    }
}
