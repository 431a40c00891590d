package io.keepwatch.cli;

import io.keepwatch.repo.RepoRestorer;
import io.keepwatch.repo.Repository;
import io.keepwatch.repo.Snapshot;
import io.keepwatch.restore.RestoreReport;
import io.keepwatch.restore.Selection;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * {@code keepwatch restore --repo}: the same selection as the local restore ({@link Selection}), made from a
 * snapshot of the repository instead of state.json. Needs no backup root and no source folder: on a new
 * machine, the key file (and a config naming the repository, or --repo) is enough.
 */
final class RepoRestoreRun {
    private RepoRestoreRun() {
    }

    static HandRun.Done run(RestoreCommand c, Selection.When when) throws Exception {
        try (Repository repository = c.repo.resolve(c.config).open()) {
            Snapshot snap = Snapshot.choose(Snapshot.all(repository), Optional.ofNullable(c.snapshot), Optional.ofNullable(c.host),
                    RepoOptions.hostName());
            Optional<String> src = Optional.ofNullable(c.source);
            if (src.isEmpty() && (c.path != null || c.version != null)) {
                if (snap.sources().size() != 1) {
                    throw new CommandLine.ParameterException(c.spec.commandLine(), (c.version != null ? "--version" : "--path")
                            + " needs --source NAME (sources: " + snap.sources().stream().map(Snapshot.Source::name).toList() + ")");
                }
                src = Optional.of(snap.sources().get(0).name());
            }
            Path dir = RepoRestorer.prepareDestination(c.to, c.overwrite);
            RepoRestorer restorer = RepoRestorer.of(repository, snap, dir, ConsoleProgress.create());
            Selection.Request request = new Selection.Request(src, Optional.ofNullable(c.path), when);
            List<Selection.Item> items = Selection.select(restorer.state(), request);
            RestoreReport report = restorer.restore(items, Selection.folders(restorer.state(), request), dir, c.overwrite);
            return c.report(report, items, dir, when, "snapshot " + snap.shortId() + " of " + snap.host() + " (" + snap.time() + ")");
        }
    }
}
