package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Listeners;
import io.keepwatch.events.QueuedListener;
import io.keepwatch.history.HistoryRecorder;
import io.keepwatch.history.HistoryStore;
import io.keepwatch.daemon.Daemon;
import io.keepwatch.engine.Engine;
import io.keepwatch.notify.Notifier;
import io.keepwatch.notify.OldestKept;
import io.keepwatch.notify.ServiceView;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine-events listeners of {@code once} and {@code run}: the run history and the notifier, each on a thread of
 * its own. Problems they meet (a history that cannot be written) go to {@link #problems}, which the service points at
 * its status file once it runs. {@link #close} lets them finish what is queued, for at most {@code drain}.
 */
final class Listening implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Listening.class);
    /** How often the service asks the notifier about what time alone decides (a source unavailable too long, ...). */
    static final Duration TICK = Duration.ofSeconds(30);

    private final List<QueuedListener> queued = new ArrayList<>();
    private final AtomicReference<Consumer<String>> problemSink = new AtomicReference<>(line -> { });
    private final Optional<Notifier> notifier;
    private final Duration drain;
    private final EngineListener all;
    private Optional<ScheduledExecutorService> ticker = Optional.empty();

    /** @param once for {@code once}: the notifier looks at the time once more at its end (the service ticks instead) */
    Listening(Config cfg, Clock clock, Duration drain, boolean once) {
        this.drain = drain;
        Path privateDir = new BackupLayout(cfg.backupRoot()).privateDir();
        Path history = HistoryStore.fileIn(privateDir);
        Consumer<String> problems = line -> problemSink.get().accept(line);
        // The recorder opens its database when the first event to write comes: by then the engine has made .keepwatch.
        queued.add(HistoryRecorder.start(history, clock, cfg.history().keep(), problems));
        Optional<Notifier> n = Optional.empty();
        if (cfg.notifications().enabled()) {
            try {
                n = Notifier.of(cfg, clock, () -> lastSuccess(history), System::getenv, privateDir, once);
            } catch (IOException e) {
                String line = "Notifications are off: " + e.getMessage();
                log.error(line);
                problems.accept(line);
            }
        }
        this.notifier = n;
        n.ifPresent(x -> queued.add(QueuedListener.start("notifier", x, Notifier::wanted, 10_000)));
        this.all = Listeners.of(new ArrayList<EngineListener>(queued));
    }

    private static Optional<Instant> lastSuccess(Path history) {
        try {
            Optional<HistoryStore> h = HistoryStore.openReadOnly(history);
            if (h.isEmpty()) {
                return Optional.empty();
            }
            try (HistoryStore store = h.get()) {
                return store.lastSuccess();
            }
        } catch (SQLException e) {
            log.debug("the last success from the history: {}", e.toString());
            return Optional.empty();
        }
    }

    EngineListener listener() {
        return all;
    }

    Optional<Notifier> notifier() {
        return notifier;
    }

    /** Reports a problem (already logged) where the listeners' problems go: the service's status once it runs. */
    void report(String line) {
        problemSink.get().accept(line);
    }

    /** Where problems of the listeners are reported from now on (besides the log). */
    void problems(Consumer<String> sink) {
        problemSink.set(sink);
    }

    /**
     * For the service: the notifier also looks at the replicator (the repository's lag) and, for the summary, at how
     * far back the backup reaches (one walk over the state, on the engine thread, between batches).
     */
    void watch(Replicating replicating, Daemon daemon, Engine engine) {
        notifier.ifPresent(n -> n.watch(new ServiceView() {
            @Override
            public Optional<ReplicationStatus> replication() {
                return replicating.status();
            }

            @Override
            public Optional<OldestKept> oldestKept() {
                try {
                    return Optional.of(daemon.onEngineThread(() -> OldestKept.of(engine.state())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                } catch (Exception e) {
                    log.warn("The summary's oldest version kept: {}", e.toString());
                    return Optional.empty();
                }
            }
        }));
    }

    /** For the service: has the notifier look at the time every {@link #TICK}. */
    void tick() {
        notifier.ifPresent(n -> {
            ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "keepwatch-notify-tick");
                t.setDaemon(true);
                return t;
            });
            s.scheduleWithFixedDelay(() -> {
                try {
                    n.tick();
                } catch (RuntimeException e) {
                    log.warn("Notifications: {}", e.toString());
                }
            }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
            ticker = Optional.of(s);
        });
    }

    @Override
    public void close() {
        ticker.ifPresent(ScheduledExecutorService::shutdownNow);
        for (QueuedListener q : queued) {
            q.close(drain);
        }
    }
}
