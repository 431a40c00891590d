package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.engine.StateRebuilder;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupState;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code keepwatch rebuild-state}: a new state.json from the backup root, when the old one is lost or corrupt. */
@Command(name = "rebuild-state", mixinStandardHelpOptions = true,
        description = "Rebuild state.json from the files in the backup root (the old file is kept as state.json.broken-<time>).")
final class RebuildStateCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Config cfg = config.loadLogged();
        LogSetup.toFile(cfg.logDir());
        BackupState state = new StateRebuilder(cfg, RealFs.forFileSystem(cfg.backupRoot().getFileSystem()), Clock.systemUTC())
                .rebuild();
        spec.commandLine().getOut().println("Rebuilt " + cfg.backupRoot().resolve("state.json") + ": " + state.totalLive()
                + " live files. The next pass re-reads every source file once to confirm it.");
        return ExitCodes.OK;
    }
}
