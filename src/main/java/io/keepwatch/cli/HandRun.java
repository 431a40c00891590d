package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigException;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.state.BackupLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * A command run by hand (verify, check, push, prune, export, import, restore) ends as a scheduled job does: in an
 * {@link EngineEvent.JobFinished}, heard by the run history and the notifier of its config file's backup root
 * ({@link Listening}), so {@code keepwatch history} lists it and a failure or damage is told. Nothing is recorded
 * when there is no config file that loads (import and the repository commands need none), when its backup root holds
 * no backup yet (no {@code .keepwatch} folder: a command never makes one just to record itself), for a wrong command
 * line or an invalid config file (the command did not run), or for a dry run (it changed and checked nothing). The
 * row is written beside a running service (WAL; a write waits up to 5 s for the service's to end); a history that
 * cannot be written is logged, and the command's output and exit code stand.
 */
final class HandRun {
    private static final Logger log = LoggerFactory.getLogger(HandRun.class);
    /** How long a command waits at its end for its row and its messages to go out. */
    static final Duration DRAIN = Duration.ofSeconds(60);

    private HandRun() {
    }

    /** What the command did: its exit code, and its result for the history (empty: nothing to record). */
    record Done(int exitCode, Optional<Scheduler.Result> result) {
        static Done of(int exitCode, Scheduler.Result result) {
            return new Done(exitCode, Optional.of(result));
        }

        static Done unrecorded(int exitCode) {
            return new Done(exitCode, Optional.empty());
        }
    }

    /** The command's own work. */
    @FunctionalInterface
    interface Body {
        Done run() throws Exception;
    }

    /**
     * Runs {@code body} and records its end as the job {@code job}; an exception (other than a wrong command line or
     * config file) is recorded as a FAILED run with its message, then thrown on, for {@link Main} to report.
     */
    static int run(String job, ConfigOption config, Body body) throws Exception {
        Clock clock = Clock.systemUTC();
        Instant started = clock.instant();
        Done done;
        try {
            done = body.run();
        } catch (CommandLine.ParameterException | ConfigException e) {
            throw e;
        } catch (Exception e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            record(job, config, clock, started, new Scheduler.Result(Outcome.FAILED, "could not run: " + why, List.of()));
            throw e;
        }
        done.result().ifPresent(r -> record(job, config, clock, started, r));
        return done.exitCode();
    }

    private static void record(String job, ConfigOption config, Clock clock, Instant started, Scheduler.Result r) {
        Optional<Config> cfg = config(config);
        if (cfg.isEmpty()) {
            return;
        }
        Path privateDir = new BackupLayout(cfg.get().backupRoot()).privateDir();
        if (!Files.isDirectory(privateDir)) {
            log.debug("{}: no backup in {} yet, so no run history to record into", job, cfg.get().backupRoot());
            return;
        }
        try (Listening listening = new Listening(cfg.get(), clock, DRAIN, false)) {
            listening.listener().on(new EngineEvent.JobFinished(clock.instant(), job, EngineEvent.JobFinished.By.COMMAND, started,
                    r.outcome(), r.summary(), r.figures(), r.problems()));
        } catch (RuntimeException e) {
            log.warn("Could not record {} in the run history or tell it: {}", job, e.toString());
        }
    }

    /** The config file's configuration, if there is one that loads. */
    private static Optional<Config> config(ConfigOption config) {
        if (!Files.isRegularFile(config.path())) {
            log.debug("no config file {}: nothing is recorded", config.path());
            return Optional.empty();
        }
        try {
            return Optional.of(config.load());
        } catch (ConfigException e) {
            log.debug("the config file {} does not load ({}): nothing is recorded", config.path(), e.getMessage());
            return Optional.empty();
        }
    }
}
