package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.config.ExcludeRules;
import io.keepwatch.daemon.Daemon;
import io.keepwatch.daemon.EarlyWatches;
import io.keepwatch.daemon.StatusFile;
import io.keepwatch.daemon.Timing;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.engine.ScanAhead;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Listeners;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.RealFs;
import io.keepwatch.schedule.PushTurn;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.watch.DirectoryWatchers;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.web.StatusPage;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code keepwatch run}: the always-on service. SIGTERM or Ctrl+C runs a shutdown hook that stops the
 * watches, lets the batch in progress finish (interrupting it after {@link #GRACE_SECONDS}: the engine's
 * staging leaves no partial file at a final path), saves the state and releases the lock, all within 10 s;
 * the JVM then exits with 143 (SIGTERM) or 130 (SIGINT).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run as a service: back up every change within about a second, until stopped (SIGTERM or Ctrl+C).")
final class RunCommand implements Callable<Integer> {
    /** How long the shutdown hook lets the batch in progress finish before interrupting it. */
    static final int GRACE_SECONDS = 7;
    /** How long it then waits for the state to be saved. */
    static final int SAVE_SECONDS = 2;

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        ConfigLoader.Loaded loaded = config.loadLoggedWithDigest();
        Config cfg = loaded.config();
        LogSetup.toFile(cfg.logDir());
        Logger log = LoggerFactory.getLogger(RunCommand.class);
        log.info("keepwatch run: {} source(s) into {} (PID {})", cfg.sources().size(), cfg.backupRoot(),
                ProcessHandle.current().pid());
        Fs fs = RealFs.forFileSystem(cfg.backupRoot().getFileSystem());
        CountDownLatch done = new CountDownLatch(1);
        try {
            Timing timing = Timing.of(cfg.watch());
            // The watches are registered while the engine takes its lock and loads the state (EarlyWatches), and the
            // start-up reconciliation's scans run beside them, each folder read once it is watched.
            // The status page hears the events on a queue of its own: the engine never waits for it.
            Optional<StatusPage> page = cfg.http().map(h -> StatusPage.forService(cfg, Clock.systemDefaultZone()));
            PushTurn turn = new PushTurn(); // the replicator and the scheduled push: one push at a time
            try (AutoCloseable pageClosed = () -> page.ifPresent(StatusPage::close);
                    Listening listening = new Listening(cfg, Clock.systemDefaultZone(), java.time.Duration.ofSeconds(3), false);
                    Replicating replicating = Replicating.start(config.path(), cfg, fs, Clock.systemUTC(), listening::report, turn);
                    DirectoryWatchers watchers = new DirectoryWatchers(ExcludeRules.compile(cfg.exclude()));
                    ScanAhead scans = ScanAhead.onRequest(cfg, fs);
                    EarlyWatches early = EarlyWatches.start(cfg.sources(), watchers, timing, scans);
                    Engine engine = Engine.openForService(cfg, fs, Clock.systemDefaultZone(),
                            page.map(StatusPage::progress).orElse(Progress.NONE), listeners(listening, replicating, page))) {
                Daemon daemon = new Daemon(engine, watchers, fs, Clock.systemDefaultZone(), timing, Optional.of(early),
                        listeners(listening, replicating, page), Optional.of(loaded.sha256()));
                page.ifPresent(p -> {
                    p.attach(daemon::status, daemon::requestFullPass, daemon::isReady);
                    p.start(cfg.http().orElseThrow());
                });
                listening.problems(daemon::reportProblem);
                listening.watch(replicating, daemon, engine);
                StatusFile.leftRunning(engine.layout().statusFile()).ifPresent(lastSeen -> listening.listener()
                        .on(new EngineEvent.ServiceStoppedUnexpectedly(Instant.now(), lastSeen)));
                listening.tick();
                Runtime.getRuntime().addShutdownHook(shutdownHook(daemon, Thread.currentThread(), done, log));
                try (Scheduler schedules = ScheduledJobs.of(cfg, config, engine, daemon, fs, Clock.systemDefaultZone(),
                        listeners(listening, replicating, page), turn)) {
                    schedules.start(daemon::isReady);
                    daemon.run();
                }
            }
            log.info("Stopped: state saved, lock released");
        } finally {
            done.countDown();
        }
        return ExitCodes.OK;
    }

    private static EngineListener listeners(Listening listening, Replicating replicating, Optional<StatusPage> page) {
        return page.isEmpty() ? Listeners.of(listening.listener(), replicating.listener())
                : Listeners.of(listening.listener(), replicating.listener(), page.get().listener());
    }

    /** Stops the service on SIGTERM or Ctrl+C and waits (at most GRACE_SECONDS + SAVE_SECONDS) until it has saved. */
    private static Thread shutdownHook(Daemon daemon, Thread engineThread, CountDownLatch done, Logger log) {
        return new Thread(() -> {
            log.info("Stopping (signal received): finishing the batch in progress and saving the state");
            daemon.stop();
            try {
                if (!done.await(GRACE_SECONDS, TimeUnit.SECONDS)) {
                    log.warn("The batch in progress did not finish within {} s; abandoning it (its copies stay in "
                            + ".keepwatch/tmp and are removed at the next start)", GRACE_SECONDS);
                    engineThread.interrupt();
                    if (!done.await(SAVE_SECONDS, TimeUnit.SECONDS)) {
                        log.error("Could not save the state in time; the next start recovers from the journal");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                log.error("Interrupted while waiting for the service to stop");
            }
        }, "keepwatch-shutdown");
    }
}
