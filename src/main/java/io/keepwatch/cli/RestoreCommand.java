package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.restore.RestoreReport;
import io.keepwatch.restore.Restorer;
import io.keepwatch.restore.Selection;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.QuarantinedRecord;
import io.keepwatch.state.BackupState;
import io.keepwatch.fs.NameText;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keepwatch restore}: files back from the backup, as they are now or were at any moment. */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Restore files from the backup into a folder: the latest state, the state at a moment (--at), "
                + "or one old version of one file (--version). Content, mtime and permission bits are restored and every "
                + "file's hash is checked.",
                "Files land at DIR/<source>/<path>, or at DIR/<path> with --source."})
final class RestoreCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--to", required = true, paramLabel = "DIR",
            description = "folder to restore into: new or empty (see --overwrite); not inside a source or the backup root")
    Path to;

    @Option(names = "--source", paramLabel = "NAME", description = "restore only this source")
    String source;

    @Option(names = "--path", paramLabel = "REL", description = "restore only this file or folder of the source (needs --source if there are several sources)")
    String path;

    @Option(names = "--at", paramLabel = "TIME",
            description = "restore every file as it was at TIME: 2026-11-21T10:15:00 (local time), with an offset (+01:00) or Z")
    String at;

    @Option(names = "--version", paramLabel = "N", description = "restore version N of the file named by --source and --path")
    Integer version;

    @Mixin
    RepoOptions repo;

    @Option(names = "--host", paramLabel = "NAME", description = "with --repo: restore the newest snapshot of this host")
    String host;

    @Option(names = "--snapshot", paramLabel = "ID", description = "with --repo: restore from this snapshot (an id or its start)")
    String snapshot;

    @Option(names = "--overwrite", description = "allow a non-empty DIR; files there that the restore also holds are replaced")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (at != null && version != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--at and --version cannot be used together");
        }
        Selection.When when = when();
        if (repo.given()) {
            return HandRun.run("restore --repo", config, () -> RepoRestoreRun.run(this, when));
        }
        return HandRun.run("restore", config, () -> restore(when));
    }

    private HandRun.Done restore(Selection.When when) throws Exception {
        Config cfg = config.load();
        Optional<String> src = Optional.ofNullable(source);
        if (src.isEmpty() && (path != null || version != null)) {
            if (cfg.sources().size() != 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        (version != null ? "--version" : "--path") + " needs --source NAME (sources: "
                                + cfg.sources().stream().map(SourceConfig::name).toList() + ")");
            }
            src = Optional.of(cfg.sources().get(0).name());
        }
        BackupState state = BackupReader.load(cfg);
        Selection.Request request = new Selection.Request(src, Optional.ofNullable(path), when);
        List<Selection.Item> items = Selection.select(state, request);
        List<Path> roots = cfg.sources().stream().map(SourceConfig::path).toList();
        Path dir = Restorer.prepareDestination(to, roots, cfg.backupRoot(), overwrite);
        RestoreReport restored = new Restorer(new BackupLayout(cfg.backupRoot()), BackupReader.fs(cfg), ConsoleProgress.create())
                .restore(items, Selection.folders(state, request), dir, overwrite);
        // Records of state.json set aside as unclean when it was read are not restored: each is listed as refused.
        List<RestoreReport.Problem> problems = new ArrayList<>(restored.problems());
        final Optional<String> scope = src;
        List<QuarantinedRecord> quarantined = Selection.quarantined(state, src, Optional.ofNullable(path));
        for (QuarantinedRecord q : quarantined) {
            String target = scope.isPresent() ? q.path() : q.source() + (q.path().isEmpty() ? "" : "/" + q.path());
            problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, target,
                    "state.json record quarantined (" + q.kind() + "): " + q.reason() + "; nothing was written"));
        }
        RestoreReport report = new RestoreReport(restored.restored(), restored.alreadyThere(), restored.bytes(), problems);
        return report(report, items.size() + quarantined.size(), dir, when, "state.json");
    }

    Selection.When when() {
        Selection.When when;
        if (version != null) {
            when = new Selection.When.Version(version);
        } else if (at != null) {
            Instant t;
            try {
                t = TimeArg.parse(at, ZoneId.systemDefault());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--at: " + e.getMessage());
            }
            when = new Selection.When.At(t);
        } else {
            when = new Selection.When.Latest();
        }
        return when;
    }

    /**
     * Prints what a restore did; the exit code, and the result for the run history. {@code hashesFrom} names what the
     * hashes were checked against.
     */
    HandRun.Done report(RestoreReport report, List<Selection.Item> items, Path dir, Selection.When when, String hashesFrom) {
        return report(report, items.size(), dir, when, hashesFrom);
    }

    /** {@link #report}, for {@code selected} files (those selected, and records refused before they could be). */
    HandRun.Done report(RestoreReport report, int selected, Path dir, Selection.When when, String hashesFrom) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (RestoreReport.Problem p : report.problems()) {
            err.println(NameText.escape(p.toString()));
        }
        String asOf = when instanceof Selection.When.At a ? " as of " + BackupReader.local(a.instant())
                : when instanceof Selection.When.Version v ? " (version " + v.n() + ")" : " (latest state)";
        String restored = report.restored() + " of " + selected + " file(s), " + BackupReader.bytes(report.bytes())
                + ", into " + dir + asOf + (report.alreadyThere() > 0 ? " (" + report.alreadyThere() + " already there, not written again)" : "");
        out.println(NameText.escape("Restored " + restored + (report.complete() ? "; every hash matches " + hashesFrom
                : "; " + report.problems().size() + " not restored (" + summary(report) + "), listed above")));
        out.flush();
        err.flush();
        Scheduler.Result result = new Scheduler.Result(report.complete() ? Outcome.OK : Outcome.PARTIAL, restored
                + " from " + hashesFrom + (report.complete() ? "" : "; " + report.problems().size() + " not restored (" + summary(report) + ")"),
                new EngineEvent.JobFinished.Figures(report.restored(), report.bytes(), 0),
                report.problems().stream().map(RestoreReport.Problem::toString).toList());
        return HandRun.Done.of(report.complete() ? ExitCodes.OK : ExitCodes.PARTIAL, result);
    }

    private static String summary(RestoreReport r) {
        StringBuilder sb = new StringBuilder();
        for (RestoreReport.Kind k : RestoreReport.Kind.values()) {
            long n = r.problems().stream().filter(p -> p.kind() == k).count();
            if (n > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(n).append(' ').append(k.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        return sb.toString();
    }
}
