package io.keepwatch.cli;

import io.keepwatch.archive.Importer;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.fs.NameText;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.restore.RestoreReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keepwatch import}: an export archive back, as files or as a whole backup root. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Restore an archive made by `keepwatch export`: its files (--to DIR), or a whole backup root (--backup-root DIR: "
                + "the current copies, old versions, deleted files and state.json) that `keepwatch once` and `run` continue from.",
                "DIR must be new or empty. Everything is written into DIR/.keepwatch-import first and moved into place at the end; "
                        + "stopped, the import goes on from where it was when run again. Needs no config file; with one (-c), "
                        + "the import is recorded in its backup root's run history."})
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "the archive, or - for standard input")
    Path file;

    @Option(names = "--key-file", required = true, paramLabel = "KEY", description = "the key file the archive was exported with")
    Path keyFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "file whose first line is the key file's passphrase")
    Path passphraseFile;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
        @Option(names = "--to", paramLabel = "DIR", description = "restore the files (the current copy of each) into DIR/<source>/<path>")
        Path to;

        @Option(names = "--backup-root", paramLabel = "DIR", description = "rebuild a whole keepwatch backup root in DIR")
        Path backupRoot;
    }

    /** Not needed to import: its backup root's run history records the import, if it loads (see {@link HandRun}). */
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return HandRun.run("import", config, this::importArchive);
    }

    private HandRun.Done importArchive() throws Exception {
        Optional<char[]> pass = passphraseFile == null ? Optional.empty() : Optional.of(KeyFile.readPassphrase(passphraseFile));
        KeyFile.Opened key = KeyFile.read(keyFile, pass);
        boolean root = target.backupRoot != null;
        Path dir = root ? target.backupRoot : target.to;
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Importer.Result r = new Importer(file, key, keyFile.toString(), dir, root ? Importer.Mode.BACKUP_ROOT : Importer.Mode.FILES,
                Clock.systemUTC(), LineProgress.create(err)).run(System.in);
        r.resumedFrom().ifPresent(w -> out.println("Resumed an unfinished import at " + w));
        for (RestoreReport.Problem p : r.problems()) {
            err.println(NameText.escape(p.toString()));
        }
        if (!r.committed()) {
            out.println(NameText.escape("Import not finished: " + r.problems().size() + " file(s) could not be written (listed above); "
                    + "nothing was moved into " + dir + ". What was done waits in " + dir.resolve(Importer.STAGING) + ": run the import again."));
            out.flush();
            return HandRun.Done.of(ExitCodes.FAILURE, new Scheduler.Result(Outcome.FAILED, "import of " + file + " into " + dir
                    + " not finished: " + r.problems().size() + " file(s) could not be written; nothing was moved into place",
                    new EngineEvent.JobFinished.Figures(r.files(), r.bytes(), 0), r.problems().stream().map(RestoreReport.Problem::toString).toList()));
        }
        out.println(NameText.escape((root ? "Rebuilt the backup root " + dir + " from " : "Imported into " + dir + " from ") + r.snapshot()
                + ": " + r.files() + " file(s), " + BackupReader.bytes(r.bytes()) + ", every hash checked"
                + (root ? ". Point config.json's backup_root at it, and `keepwatch once` or `run` goes on from there." : ".")));
        out.flush();
        return HandRun.Done.of(ExitCodes.OK, new Scheduler.Result(Outcome.OK, (root ? "backup root " : "files ") + dir + " from " + file
                + " (" + r.snapshot() + "): " + r.files() + " file(s), " + BackupReader.bytes(r.bytes()) + ", every hash checked",
                new EngineEvent.JobFinished.Figures(r.files(), r.bytes(), 0), List.of()));
    }
}
