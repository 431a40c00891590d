package io.keepwatch.cli;

import io.keepwatch.archive.Exporter;
import io.keepwatch.config.Config;
import io.keepwatch.config.ScheduleConfig;
import io.keepwatch.config.ScheduleConfig.Job;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.daemon.Daemon;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.engine.RetentionPass;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Outcome;
import io.keepwatch.execute.Tally;
import io.keepwatch.fs.Fs;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.retention.Bytes;
import io.keepwatch.schedule.Jobs;
import io.keepwatch.schedule.PushTurn;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The service's scheduler, its jobs wired to the engine, the daemon and the repository the config file names. */
final class ScheduledJobs {
    private ScheduledJobs() {
    }

    /** @param turn the scheduled push takes turns with the replicator's pushes */
    static Scheduler of(Config cfg, ConfigOption config, Engine engine, Daemon daemon, Fs fs, Clock clock, EngineListener events,
            PushTurn turn) {
        // The service's own cache, in the backup root's private folder: the service user may have no home (the .deb's has none).
        Path cache = engine.layout().privateDir().resolve("repo-cache");
        Jobs.RepositoryOpener repository = () -> {
            RepoOptions.Resolved r = new RepoOptions().resolve(config);
            return io.keepwatch.repo.Repository.open(r.store(), r.keyFile(), r.passphrase(), Optional.of(cache));
        };
        Map<Job, Scheduler.Task> tasks = new EnumMap<>(Job.class);
        for (Job job : cfg.schedules().crons().keySet()) {
            tasks.put(job, switch (job) {
                case VERIFY -> Jobs.verify(engine.layout(), fs, clock);
                case CHECK -> Jobs.check(repository, cfg.schedules().checkReadFraction());
                case PUSH -> turn.scheduled(Jobs.push(repository, engine.layout(), fs, clock, RepoOptions.hostName(),
                        Optional.of(cache), sourcePaths(cfg)));
                case PRUNE -> Jobs.prune(daemon::onEngineThread, () -> prune(engine));
                case EXPORT -> () -> export(cfg.schedules().export().orElseThrow(), engine.layout(), fs, clock, RepoOptions.hostName(),
                        sourcePaths(cfg));
            });
        }
        return Scheduler.of(cfg.schedules().crons(), tasks, engine.layout().privateDir(), fs, clock, events);
    }

    /** Retention now, as {@code keepwatch prune} applies it (a changed policy that removes most versions waits). */
    private static Scheduler.Result prune(Engine engine) throws java.io.IOException {
        Tally tally = new Tally();
        return pruned(engine.applyRetention(false, ref -> true, tally), tally, ref -> true);
    }

    /** What a prune of the backup root did, as the history and the notifier take it (also {@code keepwatch prune}'s). */
    static Scheduler.Result pruned(RetentionPass.Decision d, Tally tally, Predicate<FileRef> scope) {
        if (d.held()) {
            return new Scheduler.Result(Outcome.PARTIAL, "retention held: the policy changed and would remove "
                    + d.plan().versionsRemoved() + " of the " + d.plan().versions() + " old versions at once; "
                    + "`keepwatch prune --accept-retention` (with the service stopped) applies it", List.of());
        }
        long freed = d.plan().verdicts().stream().filter(v -> !v.keep() && scope.test(v.ref())).mapToLong(v -> v.item().size()).sum();
        EngineEvent.JobFinished.Figures figures = new EngineEvent.JobFinished.Figures(tally.pruned, freed, 0);
        String summary = tally.pruned + " old version(s) and deleted file(s) removed, " + Bytes.format(freed);
        return tally.failures().isEmpty() ? new Scheduler.Result(Outcome.OK, summary, figures, List.of())
                : new Scheduler.Result(Outcome.PARTIAL, summary + "; " + tally.failures().size() + " could not be removed",
                        figures, tally.failures());
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    /**
     * {@code keepwatch export} into {@code export_to}, as {@code keepwatch-<host>-<UTC time>.kwx} (written under another
     * name and named only once complete); then only the newest {@code export_keep} archives of this host stay.
     */
    static Scheduler.Result export(ScheduleConfig.Export e, BackupLayout layout, Fs fs, Clock clock, String host,
            Map<String, String> paths) throws Exception {
        if (!Files.isRegularFile(e.keyFile())) {
            return new Scheduler.Result(Outcome.FAILED, "no key file " + e.keyFile() + " (make one with `keepwatch export` or "
                    + "`keepwatch init`, and keep it apart from the archives)", List.of());
        }
        KeyFile.Opened key = KeyFile.read(e.keyFile(), e.passphraseFile().isPresent()
                ? Optional.of(KeyFile.readPassphrase(e.passphraseFile().get())) : Optional.empty());
        BackupState state = Jobs.load(layout, fs, clock);
        Files.createDirectories(e.folder());
        String prefix = "keepwatch-" + safe(host) + "-";
        Path file = e.folder().resolve(prefix + STAMP.format(clock.instant()) + ".kwx");
        Exporter.Result r = ExportCommand.writeFile(file, out -> Exporter.export(state, Optional.empty(), Optional.empty(), paths,
                layout, key, e.keyFile().toString(), out, file.toString(), clock, host, Progress.NONE));
        List<String> removed = keepNewest(e.folder(), prefix, e.keep());
        return exported("archive " + file, r, removed.isEmpty() ? "" : "; " + removed.size() + " older archive(s) removed");
    }

    /** What an export wrote to {@code where}, as the history and the notifier take it (also {@code keepwatch export}'s). */
    static Scheduler.Result exported(String where, Exporter.Result r, String more) {
        String summary = where + ": " + r.objects() + " object(s), " + BackupReader.bytes(r.bytes()) + more;
        EngineEvent.JobFinished.Figures figures = new EngineEvent.JobFinished.Figures(r.objects(), r.bytes(), 0);
        return r.push().problems().isEmpty() ? new Scheduler.Result(Outcome.OK, summary, figures, List.of())
                : new Scheduler.Result(Outcome.PARTIAL, summary + "; " + r.push().problems().size() + " content(s) left out",
                        figures, r.push().problems());
    }

    /** A host name as part of a file name: letters, digits, dots and dashes. */
    private static String safe(String host) {
        String s = host.replaceAll("[^A-Za-z0-9.-]", "_");
        return s.isEmpty() ? "host" : s;
    }

    /** Deletes all but the newest {@code keep} archives {@code prefix<time>.kwx} (regular files; links are left alone). */
    private static List<String> keepNewest(Path folder, String prefix, int keep) throws IOException {
        Pattern ours = Pattern.compile(Pattern.quote(prefix) + "\\d{8}T\\d{6}Z\\.kwx");
        List<Path> archives;
        try (Stream<Path> s = Files.list(folder)) {
            archives = s.filter(p -> ours.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        }
        List<String> removed = new ArrayList<>();
        for (Path old : archives.subList(Math.min(keep, archives.size()), archives.size())) {
            Files.delete(old);
            removed.add(old.getFileName().toString());
        }
        return removed;
    }

    private static Map<String, String> sourcePaths(Config cfg) {
        Map<String, String> paths = new LinkedHashMap<>();
        for (SourceConfig s : cfg.sources()) {
            paths.put(s.name(), s.path().toString());
        }
        return paths;
    }
}
