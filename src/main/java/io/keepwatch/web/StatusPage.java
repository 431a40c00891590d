package io.keepwatch.web;

import io.keepwatch.config.Config;
import io.keepwatch.config.HttpConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Listeners;
import io.keepwatch.events.QueuedListener;
import io.keepwatch.engine.Progress;
import io.keepwatch.history.HistoryStore;
import io.keepwatch.restore.Timeline;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.FileRef;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page of {@code keepwatch run}, put together: made before the engine opens (its {@link #listener} and
 * {@link #progress} go into the engine), told of the service once there is one ({@link #attach}), then
 * {@link #start}ed. Its events come through a {@link QueuedListener} of its own, so a page that is slow or a client
 * that is stuck never holds up a backup; the backup root is counted ({@link DiskUse}) on a thread of its own.
 * For {@code once}, {@link #forOnce} makes the same metrics without a server.
 */
public final class StatusPage implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusPage.class);

    private final Config cfg;
    private final Clock clock;
    private final BackupLayout layout;
    private final AtomicReference<Supplier<ServiceStatus>> service = new AtomicReference<>();
    private final AtomicReference<Consumer<String>> fullPass = new AtomicReference<>();
    /** Whether the backup root's disk use may be counted now (not while the service starts up). */
    private final AtomicReference<BooleanSupplier> countNow = new AtomicReference<>(() -> true);
    private final LiveView live;
    private final DiskUse disk;
    private final Metrics metrics;
    private final CopyProgress progress = new CopyProgress();
    private final RecentHistory history;
    private final FileVersions versions;
    private final Page page;
    private final Actions actions;
    private final List<String> sourceNames;
    private QueuedListener queued;
    private ScheduledExecutorService walker;
    private WebServer server;
    private volatile boolean diskDirty = true;
    static final Duration STATUS_FRESH = Duration.ofMillis(250);
    private final Object statusLock = new Object();
    private ServiceStatus lastStatus;
    private long lastStatusAt;

    private StatusPage(Config cfg, Clock clock) {
        this.cfg = cfg;
        this.clock = clock;
        this.layout = new BackupLayout(cfg.backupRoot());
        Path historyFile = HistoryStore.fileIn(layout.privateDir());
        this.sourceNames = cfg.sources().stream().map(SourceConfig::name).toList();
        this.live = new LiveView(cfg, this::serviceStatus, RecentHistory.lastBackups(historyFile, clock));
        this.disk = new DiskUse(layout, sourceNames, clock);
        Map<String, Path> roots = new LinkedHashMap<>();
        cfg.sources().forEach(s -> roots.put(s.name(), s.path()));
        this.metrics = new Metrics(live, disk, roots, this::replication, clock);
        this.history = new RecentHistory(historyFile, clock);
        this.versions = new FileVersions(layout, clock);
        this.page = new Page(clock.getZone());
        this.actions = new Actions(layout, clock, live, () -> Optional.ofNullable(fullPass.get()));
    }

    /** The page of {@code run}; its listener starts queueing at once, its server at {@link #start}. */
    public static StatusPage forService(Config cfg, Clock clock) {
        StatusPage p = new StatusPage(cfg, clock);
        p.queued = QueuedListener.start("status page", Listeners.of(p.live, p.metrics, p::diskAfterPass), e -> true, 100_000);
        return p;
    }

    /** The metrics of {@code once}: its listener is called on the engine thread (it only counts), no server. */
    public static StatusPage forOnce(Config cfg, Clock clock) {
        return new StatusPage(cfg, clock);
    }

    /**
     * The service's status, taken at most every {@link #STATUS_FRESH}: however many pages and scrapes ask, the
     * service's status board (which the engine thread updates) is locked a few times a second at most.
     */
    private Optional<ServiceStatus> serviceStatus() {
        Supplier<ServiceStatus> s = service.get();
        if (s == null) {
            return Optional.empty();
        }
        synchronized (statusLock) {
            long now = System.nanoTime();
            if (lastStatus == null || now - lastStatusAt > STATUS_FRESH.toNanos()) {
                lastStatus = s.get();
                lastStatusAt = now;
            }
            return Optional.of(lastStatus);
        }
    }

    private void diskAfterPass(EngineEvent e) {
        if (e instanceof EngineEvent.PassFinished) {
            diskDirty = true;
        }
    }

    /** What the engine and the service tell the page. */
    public EngineListener listener() {
        return queued != null ? queued : Listeners.of(live, metrics);
    }

    /** The engine's progress of copying, for the page's progress bar. */
    public Progress progress() {
        return progress;
    }

    /**
     * The service the page shows and acts on: its status, and how to ask it for a full pass of every source.
     */
    public void attach(Supplier<ServiceStatus> status, Consumer<String> pass) {
        service.set(status);
        fullPass.set(pass);
    }

    /**
     * Like {@link #attach(Supplier, Consumer)}; the backup root's disk use is first counted once {@code ready} says
     * so: counting walks every file of the backup, which would compete with the start-up's own walks (on a million
     * files, for the same disk and cores).
     */
    public void attach(Supplier<ServiceStatus> status, Consumer<String> pass, BooleanSupplier ready) {
        attach(status, pass);
        countNow.set(ready);
    }

    /**
     * Starts serving on {@code http.listen}. A port that is taken (or any other failure to listen) is logged as an
     * ERROR and the service goes on without its page: the backup matters more.
     */
    public void start(HttpConfig http) {
        walker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keepwatch-web-disk");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        walker.scheduleWithFixedDelay(this::maybeWalk, 0, 1, TimeUnit.SECONDS);
        try {
            Token token = Token.loadOrCreate(layout.privateDir());
            server = WebServer.start(http, this, token);
            log.info("Status page: http://{}:{}/ (metrics at /metrics{})", http.host().contains(":") ? "[" + http.host() + "]"
                    : http.host(), server.port(), http.tokenRequired() ? "; every request needs the token" : "");
        } catch (IOException | RuntimeException e) {
            log.error("The status page is not served: cannot listen on {}: {}. Backups go on as usual.", http.listen(), e.toString());
        }
    }

    private void maybeWalk() {
        try {
            Optional<Instant> last = disk.lastAt();
            if (last.isEmpty() && !countNow.get().getAsBoolean()) {
                return;
            }
            Instant now = clock.instant();
            boolean due = last.isEmpty() || diskDirty && !now.isBefore(last.get().plus(disk.spacing()))
                    || !now.isBefore(last.get().plus(Duration.ofMinutes(10)));
            if (due) {
                diskDirty = false;
                disk.walk();
            }
        } catch (RuntimeException e) {
            log.warn("Counting the backup root's disk use: {}", e.toString());
        }
    }

    /** For {@code once --metrics-textfile}: counts the backup root now and writes the metrics to {@code file} atomically. */
    public void writeMetrics(Path file) throws IOException {
        disk.walk();
        metrics.writeFile(file);
    }

    // ---- for the server ----

    String render(String query, Optional<String> path, boolean signedIn, Optional<String> message) {
        List<String> matches = List.of();
        List<Timeline.Entry> entries = List.of();
        Optional<String> problem = Optional.empty();
        try {
            if (path.isPresent()) {
                entries = versions.versions(FileRef.parse(path.get()));
            } else if (!query.isBlank()) {
                matches = versions.search(query);
            }
        } catch (IOException | IllegalArgumentException e) {
            problem = Optional.of(e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = Optional.of("interrupted");
        }
        return page.page(live(), page.history(history.view()), page.disk(disk.bySource(), disk.history(), disk.lastAt()),
                page.file(path.orElse(query), matches, path, entries, problem), signedIn, message);
    }

    String live() {
        return page.live(live.sources(), live.status(), live.current(), progress.now(), live.recent(), live.version(),
                actions.verifying(), replication(), clock.instant());
    }

    /** The replicator's last status, as {@code keepwatch status} shows it (read anew: a small file, replaced whole). */
    private Optional<ReplicationStatus> replication() {
        return ReplicationStatus.find(layout);
    }

    String loginOnly() {
        return page.page("<p>This keepwatch asks for its token first.</p>", "", "", "", false, Optional.empty());
    }

    /** The words of a {@code msg=} after an action. */
    static Optional<String> message(String what) {
        return Optional.ofNullable(switch (what) {
            case "signed-in" -> "The token is remembered by this browser; the actions below are yours.";
            case "pass" -> "A full pass of every source was asked for; the recent actions show it.";
            case "no-service" -> "There is no service to run a pass.";
            case "verify" -> "Verify started; its result shows up in the recent actions.";
            case "verify-busy" -> "A verify is running already.";
            case "accept" -> "The service makes the held deletions at its next poll (within seconds).";
            default -> null;
        });
    }

    Metrics metrics() {
        return metrics;
    }

    Actions actions() {
        return actions;
    }

    FileVersions versions() {
        return versions;
    }

    List<String> sourceNames() {
        return sourceNames;
    }

    LiveView liveView() {
        return live;
    }

    int port() {
        return server == null ? -1 : server.port();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (walker != null) {
            walker.shutdownNow();
        }
        actions.close();
        if (queued != null) {
            queued.close(Duration.ofSeconds(1));
        }
    }
}
