package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.config.ScheduleConfig.Job;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.daemon.Daemon;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.RetentionPass;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Outcome;
import io.keepwatch.execute.Tally;
import io.keepwatch.fs.Fs;
import io.keepwatch.schedule.Jobs;
import io.keepwatch.schedule.Scheduler;
import java.time.Clock;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The service's scheduler, its jobs wired to the engine, the daemon and the repository the config file names. */
final class ScheduledJobs {
    private ScheduledJobs() {
    }

    static Scheduler of(Config cfg, ConfigOption config, Engine engine, Daemon daemon, Fs fs, Clock clock, EngineListener events) {
        // The service's own cache, in the backup root's private folder: the service user may have no home (the .deb's has none).
        java.nio.file.Path cache = engine.layout().privateDir().resolve("repo-cache");
        Jobs.RepositoryOpener repository = () -> {
            RepoOptions.Resolved r = new RepoOptions().resolve(config);
            return io.keepwatch.repo.Repository.open(r.store(), r.keyFile(), r.passphrase(), Optional.of(cache));
        };
        Map<Job, Scheduler.Task> tasks = new EnumMap<>(Job.class);
        for (Job job : cfg.schedules().crons().keySet()) {
            tasks.put(job, switch (job) {
                case VERIFY -> Jobs.verify(engine.layout(), fs, clock);
                case CHECK -> Jobs.check(repository, cfg.schedules().checkReadFraction());
                case PUSH -> Jobs.push(repository, engine.layout(), fs, clock, RepoOptions.hostName(),
                        Optional.of(cache), sourcePaths(cfg));
                case PRUNE -> Jobs.prune(daemon::onEngineThread, () -> prune(engine));
            });
        }
        return Scheduler.of(cfg.schedules().crons(), tasks, engine.layout().privateDir(), fs, clock, events);
    }

    /** Retention now, as {@code keepwatch prune} applies it (a changed policy that removes most versions waits). */
    private static Scheduler.Result prune(Engine engine) throws java.io.IOException {
        Tally tally = new Tally();
        RetentionPass.Decision d = engine.applyRetention(false, ref -> true, tally);
        if (d.held()) {
            return new Scheduler.Result(Outcome.PARTIAL, "retention held: the policy changed and would remove "
                    + d.plan().versionsRemoved() + " of the " + d.plan().versions() + " old versions at once; "
                    + "`keepwatch prune --accept-retention` (with the service stopped) applies it", List.of());
        }
        String summary = tally.pruned + " old version(s) and deleted file(s) removed";
        return tally.failures().isEmpty() ? new Scheduler.Result(Outcome.OK, summary, List.of())
                : new Scheduler.Result(Outcome.PARTIAL, summary + "; " + tally.failures().size() + " could not be removed",
                        tally.failures());
    }

    private static Map<String, String> sourcePaths(Config cfg) {
        Map<String, String> paths = new LinkedHashMap<>();
        for (SourceConfig s : cfg.sources()) {
            paths.put(s.name(), s.path().toString());
        }
        return paths;
    }
}
