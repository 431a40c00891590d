package io.keepwatch.web;

import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * keepwatch's Prometheus metrics, in a registry of their own (never the library's default one). Counters and the
 * latency histogram are fed by engine events ({@link #on}, on the status page's queue thread); gauges are read when
 * scraped, from the {@link LiveView}, the {@link DiskUse} and the JVM. The names follow Prometheus' conventions:
 * {@code keepwatch_} prefix, {@code _total} for counters, base units ({@code _seconds}, {@code _bytes}).
 */
public final class Metrics implements EngineListener {
    /** The buckets of the latency from a file's last change to its backup, in seconds. */
    static final double[] LATENCY_BUCKETS = {0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<String, Path> roots;
    private final Counter passes;
    private final Counter failures;
    private final Counter files;
    private final Histogram latency;
    /** Where the replicator's status is read from: once per scrape ({@link #write}), not once per series. */
    private final java.util.function.Supplier<Optional<io.keepwatch.replicate.ReplicationStatus>> replicationSource;
    private volatile Optional<io.keepwatch.replicate.ReplicationStatus> replicationNow = Optional.empty();
    private Trigger trigger = Trigger.ONCE;

    public Metrics(LiveView live, DiskUse disk, Map<String, Path> roots) {
        this(live, disk, roots, java.util.Optional::empty, java.time.Clock.systemUTC());
    }

    /** With the replicator's status ({@code .keepwatch/replication.json}), read when scraped. */
    public Metrics(LiveView live, DiskUse disk, Map<String, Path> roots,
            java.util.function.Supplier<Optional<io.keepwatch.replicate.ReplicationStatus>> replication, java.time.Clock clock) {
        this.roots = Map.copyOf(roots);
        this.replicationSource = replication;
        passes = Counter.builder().name("keepwatch_passes").help("Passes and service batches that ended, by trigger and outcome")
                .labelNames("trigger", "outcome").register(registry);
        failures = Counter.builder().name("keepwatch_failures").help("Files or folders that could not be backed up, by reason")
                .labelNames("source", "reason").register(registry);
        files = Counter.builder().name("keepwatch_file_actions").help("Files acted on: backed_up, updated, duplicate, deleted, "
                + "version_archived, pruned").labelNames("source", "action").register(registry);
        latency = Histogram.builder().name("keepwatch_backup_latency_seconds")
                .help("From a watched file's last modification (its mtime) to its copy in the backup")
                .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
        for (Outcome o : Outcome.values()) {
            for (Trigger t : Trigger.values()) {
                passes.labelValues(t.name().toLowerCase(Locale.ROOT), o.name().toLowerCase(Locale.ROOT));
            }
        }
        GaugeWithCallback.builder().name("keepwatch_source_state")
                .help("1 for the state each source is in (ok, polling, unavailable), 0 for the others")
                .labelNames("source", "state").callback(cb -> {
                    for (LiveView.Source s : live.sources()) {
                        for (SourceState st : SourceState.values()) {
                            cb.call(s.state() == st ? 1 : 0, s.name(), st.name().toLowerCase(Locale.ROOT));
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("keepwatch_source_held_deletions")
                .help("Deletions the deletion guard holds in each source").labelNames("source")
                .callback(cb -> live.sources().forEach(s -> cb.call(s.heldDeletions(), s.name()))).register(registry);
        GaugeWithCallback.builder().name("keepwatch_last_success_timestamp_seconds")
                .help("When each source's last pass or batch that ran through ended (Unix time)").labelNames("source")
                .callback(cb -> live.sources().forEach(s -> s.lastBackup()
                        .ifPresent(t -> cb.call(t.toEpochMilli() / 1000.0, s.name())))).register(registry);
        diskGauge(disk, "keepwatch_tracked_files", "Current copies in the backup (mirror and _duplicates/) per source",
                u -> (double) u.current().files());
        diskGauge(disk, "keepwatch_tracked_bytes", "Bytes of the current copies per source", u -> (double) u.current().bytes());
        diskGauge(disk, "keepwatch_version_files", "Old versions kept per source", u -> (double) u.versions().files());
        diskGauge(disk, "keepwatch_version_bytes", "Bytes of the old versions per source", u -> (double) u.versions().bytes());
        diskGauge(disk, "keepwatch_deleted_files", "Deleted files kept per source", u -> (double) u.deleted().files());
        diskGauge(disk, "keepwatch_deleted_bytes", "Bytes of the deleted files kept per source", u -> (double) u.deleted().bytes());
        GaugeWithCallback.builder().name("keepwatch_queue_depth").help("Changed paths waiting in the service's watch queue")
                .callback(cb -> live.status().ifPresent(s -> cb.call(s.queueDepth()))).register(registry);
        GaugeWithCallback.builder().name("keepwatch_pending_paths").help("Changed paths waiting for their debounce period")
                .callback(cb -> live.status().map(ServiceStatus::pendingPaths).ifPresent(cb::call)).register(registry);
        replicationGauges(() -> replicationNow, clock);
        GaugeWithCallback.builder().name("jvm_memory_used_bytes").help("Used bytes of the JVM's heap and non-heap memory")
                .labelNames("area").callback(cb -> memory(cb, MemoryUsage::getUsed)).register(registry);
        GaugeWithCallback.builder().name("jvm_memory_committed_bytes").help("Committed bytes of the JVM's heap and non-heap memory")
                .labelNames("area").callback(cb -> memory(cb, MemoryUsage::getCommitted)).register(registry);
        GaugeWithCallback.builder().name("jvm_memory_max_bytes").help("The most the JVM's heap and non-heap memory may grow to")
                .labelNames("area").callback(cb -> memory(cb, MemoryUsage::getMax)).register(registry);
    }

    /**
     * The replication's gauges, present only while the service replicates: lag (the age of the backup state the
     * repository holds; absent before the first push succeeded), what waits for the next push, and whether pushes fail.
     */
    private void replicationGauges(java.util.function.Supplier<Optional<io.keepwatch.replicate.ReplicationStatus>> replication,
            java.time.Clock clock) {
        GaugeWithCallback.builder().name("keepwatch_replication_lag_seconds")
                .help("Age of the backup state the repository holds (since the start of the last push that succeeded)")
                .labelNames("repository").callback(cb -> replication.get().ifPresent(r -> r.lag(clock.instant())
                        .ifPresent(d -> cb.call(d.toMillis() / 1000.0, r.repository())))).register(registry);
        GaugeWithCallback.builder().name("keepwatch_replication_pending_bytes")
                .help("Bytes of new content backed up since the last successful push began (at most what the next push uploads)")
                .labelNames("repository").callback(cb -> replication.get().ifPresent(r -> cb.call(r.pendingBytes(), r.repository())))
                .register(registry);
        GaugeWithCallback.builder().name("keepwatch_replication_pending_changes")
                .help("Files backed up, updated, archived or pruned since the last successful push began").labelNames("repository")
                .callback(cb -> replication.get().ifPresent(r -> cb.call(r.pendingChanges(), r.repository()))).register(registry);
        GaugeWithCallback.builder().name("keepwatch_replication_failing")
                .help("1 while the last push to the repository failed, the remote unavailable included (it is retried), else 0")
                .labelNames("repository").callback(cb -> replication.get().ifPresent(r -> cb.call(r.failing() ? 1 : 0, r.repository())))
                .register(registry);
        GaugeWithCallback.builder().name("keepwatch_replication_remote_unavailable")
                .help("1 while the repository's store cannot be reached (network, DNS, 5xx or throttling beyond its retries), else 0")
                .labelNames("repository")
                .callback(cb -> replication.get().ifPresent(r -> cb.call(r.remoteUnavailable() ? 1 : 0, r.repository())))
                .register(registry);
    }

    private void diskGauge(DiskUse disk, String name, String help, Function<DiskUse.Use, Double> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("source")
                .callback(cb -> disk.bySource().forEach((s, u) -> cb.call(value.apply(u), s))).register(registry);
    }

    private static void memory(GaugeWithCallback.Callback cb, Function<MemoryUsage, Long> f) {
        var m = ManagementFactory.getMemoryMXBean();
        long heap = f.apply(m.getHeapMemoryUsage());
        long nonHeap = f.apply(m.getNonHeapMemoryUsage());
        if (heap >= 0) {
            cb.call(heap, "heap");
        }
        if (nonHeap >= 0) { // -1: no limit
            cb.call(nonHeap, "nonheap");
        }
    }

    @Override
    public void on(EngineEvent event) {
        if (event instanceof EngineEvent.PassStarted p) {
            trigger = p.trigger();
        } else if (event instanceof EngineEvent.PassFinished p) {
            passes.labelValues(p.trigger().name().toLowerCase(Locale.ROOT), p.outcome().name().toLowerCase(Locale.ROOT)).inc();
        } else if (event instanceof EngineEvent.Failure f) {
            failures.labelValues(f.source(), reason(f.reason())).inc();
        } else if (event instanceof EngineEvent.FileBackedUp b) {
            files.labelValues(b.source(), "backed_up").inc();
            latency(b.at(), b.source(), b.path());
        } else if (event instanceof EngineEvent.FileUpdated u) {
            files.labelValues(u.source(), "updated").inc();
            latency(u.at(), u.source(), u.path());
        } else if (event instanceof EngineEvent.DuplicateKept d) {
            files.labelValues(d.source(), "duplicate").inc();
        } else if (event instanceof EngineEvent.DeletionArchived d) {
            files.labelValues(d.source(), "deleted").inc();
        } else if (event instanceof EngineEvent.VersionArchived v) {
            files.labelValues(v.source(), "version_archived").inc();
        } else if (event instanceof EngineEvent.Pruned p) {
            files.labelValues(p.source(), "pruned").inc();
        }
    }

    private static String reason(FailureReason r) {
        return r.name().toLowerCase(Locale.ROOT);
    }

    /**
     * For a file a watch caught (a service batch), the time from its last modification to its backup. A file
     * copied by a full pass may have changed days ago: that is no latency of keepwatch's, and is not observed.
     */
    private void latency(java.time.Instant at, String source, String rel) {
        Path root = roots.get(source);
        if (trigger != Trigger.BATCH || root == null) {
            return;
        }
        try {
            java.time.Instant mtime = Files.getLastModifiedTime(io.keepwatch.state.BackupLayout.resolve(root, rel),
                    LinkOption.NOFOLLOW_LINKS).toInstant();
            Duration d = Duration.between(mtime, at);
            if (!d.isNegative() && d.compareTo(Duration.ofHours(1)) < 0) {
                latency.observe(d.toNanos() / 1e9);
            }
        } catch (IOException | RuntimeException e) {
            // changed or gone again since: nothing to measure
        }
    }

    /** The metrics in Prometheus' text format (version 0.0.4). */
    public void write(OutputStream out) throws IOException {
        replicationNow = replicationSource.get();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /** Writes the metrics to {@code file} atomically (a temporary file beside it, renamed over it), as node_exporter's textfile collector wants. */
    public void writeFile(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            write(out);
        }
        Files.move(tmp, abs, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

}
