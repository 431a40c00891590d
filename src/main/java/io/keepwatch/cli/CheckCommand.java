package io.keepwatch.cli;

import io.keepwatch.repo.Checker;
import io.keepwatch.repo.Repository;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keepwatch check}: the repository's structure, and with --read-data its data. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Check the repository: every snapshot, tree and index opens and every chunk a file needs is in a pack "
                + "that exists. --read-data also decrypts every chunk and checks it against its id. Each damaged object is named "
                + "with the files and versions it affects; exit 2 if there is any."})
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    RepoOptions repo;

    @Option(names = "--read-data", description = "read and check every pack")
    boolean readData;

    @Option(names = "--read-data-subset", paramLabel = "N%", description = "read and check N% of the packs, chosen at random")
    String subset;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return HandRun.run("check", config, this::check);
    }

    private HandRun.Done check() throws Exception {
        double fraction = readData ? 1 : 0;
        if (subset != null) {
            if (readData) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--read-data and --read-data-subset cannot be used together");
            }
            String s = subset.endsWith("%") ? subset.substring(0, subset.length() - 1) : subset;
            try {
                fraction = Double.parseDouble(s) / 100;
            } catch (NumberFormatException e) {
                fraction = -1;
            }
            if (!(fraction > 0 && fraction <= 1)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--read-data-subset: '" + subset + "' is not a percentage in (0, 100]");
            }
        }
        Checker.Report r;
        long start = System.nanoTime();
        try (Repository repository = repo.resolve(config).open()) {
            r = new Checker(repository).check(fraction);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        for (Checker.Damage d : r.damage()) {
            out.println("DAMAGED " + d.object() + ": " + String.join("; ", d.reasons()));
            for (String a : d.affects()) {
                out.println("  affects " + a);
            }
        }
        r.notes().forEach(n -> out.println("note: " + n));
        out.println((r.clean() ? "No damage" : r.damage().size() + " damaged object(s)") + ": " + r.snapshots() + " snapshot(s), "
                + r.packs() + " pack(s)" + (fraction > 0 ? ", " + r.packsRead() + " read (" + BackupReader.bytes(r.bytesRead())
                + ", " + BackupReader.bytes(r.plaintextRead()) + " of plaintext in " + seconds(elapsed) + ", " + rate(r.plaintextRead(), elapsed)
                + ")" : ""));
        out.flush();
        return HandRun.Done.of(r.clean() ? ExitCodes.OK : ExitCodes.PARTIAL, io.keepwatch.schedule.Jobs.checked(r));
    }

    private static String seconds(double s) {
        return String.format(java.util.Locale.ROOT, "%.2f s", s);
    }

    /** Plaintext bytes over the seconds from opening the repository to the end, in MB/s (10^6 bytes). */
    private static String rate(long bytes, double s) {
        return String.format(java.util.Locale.ROOT, "%.0f MB/s", s > 0 ? bytes / s / 1e6 : 0);
    }
}
