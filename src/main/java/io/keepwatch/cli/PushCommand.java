package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.repo.Pusher;
import io.keepwatch.repo.Repository;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.StateStore;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keepwatch push}: the local backup (every current copy, version and deleted file) into the repository. */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Copy the local backup into the repository as a new snapshot: only chunks the repository lacks are "
                + "uploaded, then the folder trees, then the snapshot. Stopped halfway, it leaves no snapshot; run it again to go on."})
final class PushCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    RepoOptions repo;

    @Option(names = "--host", paramLabel = "NAME", description = "the host name the snapshot is recorded under (default: this host's)")
    String host;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return HandRun.run("push", config, this::push);
    }

    private HandRun.Done push() throws Exception {
        Config cfg = config.load();
        StateStore store = BackupReader.store(cfg);
        // Taken before the state is loaded (if it is: an unchanged state need not be), see Pusher.push.
        Optional<String> position = store.position();
        Map<String, String> paths = new LinkedHashMap<>();
        for (SourceConfig s : cfg.sources()) {
            paths.put(s.name(), s.path().toString());
        }
        Pusher.Result r;
        try (Repository repository = repo.resolve(config).openUnindexed()) {
            r = new Pusher(repository, new BackupLayout(cfg.backupRoot()), Clock.systemUTC(),
                    host != null ? host : RepoOptions.hostName(), ConsoleProgress.create(), Optional.of(repo.cacheRoot()))
                    .push(position, () -> BackupReader.load(cfg, store), paths);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        r.problems().forEach(err::println);
        String read = r.contentsRead() + " content(s) read (" + BackupReader.bytes(r.bytesRead()) + "), "
                + BackupReader.bytes(r.bytesAdded()) + " added to the repository";
        if (r.snapshot().isPresent()) {
            out.println("Snapshot " + r.snapshot().get().shortId() + " saved: " + read
                    + (r.problems().isEmpty() ? "" : "; " + r.problems().size() + " content(s) left out, listed above"));
        } else {
            out.println("Nothing changed since snapshot " + r.unchangedFrom().get().shortId() + "; no new snapshot (" + read + ")");
        }
        out.flush();
        err.flush();
        return HandRun.Done.of(r.problems().isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL, io.keepwatch.schedule.Jobs.pushed(r));
    }
}
