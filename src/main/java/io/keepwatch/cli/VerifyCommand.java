package io.keepwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.Config;
import io.keepwatch.restore.RestoreException;
import io.keepwatch.restore.Verifier;
import io.keepwatch.restore.VerifyReport;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.fs.NameText;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keepwatch verify}: re-reads the whole backup and proves it matches state.json. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Re-read every file state.json says the backup holds (current copies, duplicates, versions, deleted "
                + "files), compare each hash, and look for files state.json does not know.",
                "Exit 0: everything matches; 2: something is missing, corrupted, unexpected or unreadable (each is listed); "
                        + "1: nothing could be verified."})
final class VerifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--source", paramLabel = "NAME", description = "verify only this source")
    String source;

    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    @Override
    public Integer call() throws Exception {
        return HandRun.run("verify", config, this::verify);
    }

    private HandRun.Done verify() throws Exception {
        Config cfg = config.load();
        BackupLayout layout = new BackupLayout(cfg.backupRoot());
        String stateBefore = io.keepwatch.schedule.Jobs.stamp(layout.stateFile());
        Thread warmUp = new Thread(() -> Verifier.warmUp(cfg.hashAlgorithm()), "keepwatch-hash-warmup");
        warmUp.setDaemon(true);
        warmUp.start(); // while state.json loads
        BackupState state = BackupReader.load(cfg);
        if (source != null && !state.sourceNames().contains(source)) {
            throw new RestoreException("the backup holds nothing of source '" + source + "' (it holds: "
                    + String.join(", ", state.sourceNames()) + ")");
        }
        long start = System.nanoTime();
        int threads = Math.min(8, Math.max(4, 2 * Runtime.getRuntime().availableProcessors())); // see the Verifier's constructor
        VerifyReport report = new Verifier(layout, BackupReader.fs(cfg), json ? io.keepwatch.engine.Progress.NONE : ConsoleProgress.create(),
                threads).verify(state, Optional.ofNullable(source));
        double seconds = (System.nanoTime() - start) / 1e9;
        boolean stateChanged = !stateBefore.equals(io.keepwatch.schedule.Jobs.stamp(layout.stateFile()));
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = m.createObjectNode();
            root.put("intact", report.intact());
            root.put("backup_root", cfg.backupRoot().toString());
            root.put("checked", report.checked());
            root.put("bytes", report.bytes());
            for (VerifyReport.Kind k : VerifyReport.Kind.values()) {
                root.put(k.name().toLowerCase(Locale.ROOT), report.count(k));
            }
            root.put("state_changed_during_verify", stateChanged);
            ArrayNode problems = root.putArray("problems");
            for (VerifyReport.Problem p : report.problems()) {
                ObjectNode n = problems.addObject();
                n.put("kind", p.kind().name().toLowerCase(Locale.ROOT));
                n.put("path", p.path());
                n.put("what", p.what());
                n.put("detail", p.detail());
            }
            out.println(NameText.json(m.writeValueAsString(root)));
        } else {
            for (VerifyReport.Problem p : report.problems()) {
                out.println(NameText.escape(p.toString()));
            }
            String counts = String.format(Locale.ROOT, "%d file(s) checked, %s in %.2f s", report.checked(),
                    BackupReader.bytes(report.bytes()), seconds);
            if (report.intact()) {
                out.println("Backup intact: " + counts + "; every file matches state.json");
            } else {
                out.println(String.format(Locale.ROOT, "Backup NOT intact: %s; %d missing, %d corrupted, %d unexpected, %d error(s)",
                        counts, report.count(VerifyReport.Kind.MISSING), report.count(VerifyReport.Kind.CORRUPTED),
                        report.count(VerifyReport.Kind.UNEXPECTED), report.count(VerifyReport.Kind.ERROR)));
                if (stateChanged) {
                    out.println("Note: state.json changed while verifying (keepwatch is running); files it moved meanwhile can show "
                            + "up as missing or unexpected. Run verify again to confirm.");
                }
            }
        }
        out.flush();
        return HandRun.Done.of(report.intact() ? ExitCodes.OK : ExitCodes.PARTIAL, io.keepwatch.schedule.Jobs.verified(report));
    }
}
