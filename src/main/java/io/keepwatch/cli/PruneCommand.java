package io.keepwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.engine.RetentionPass;
import io.keepwatch.execute.Tally;
import io.keepwatch.retention.Bytes;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.retention.RetentionPlan;
import io.keepwatch.retention.Verdict;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keepwatch prune}: retention of the local backup root, now. {@code --dry-run} lists what the policy would
 * remove and why each kept item stays, without the lock (the service may run); without it, the lock is taken and
 * the removals are made as a full pass makes them. Options for other targets (an encrypted repository) belong beside
 * these, in this one command.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = {"Apply the retention policy to the backup root now: remove the old versions and deleted files it lets go "
                + "(a full pass and the service do the same as they run).",
                "--dry-run lists every old version and deleted file with what would become of it: the rule that keeps it "
                        + "(\"last 3\", \"daily 2026-11-30\", \"within 7d\") or why it would go, and the bytes that would be freed.",
                "Exit 0: done; 1: nothing could be done (no state, backup root locked by a running keepwatch, or a changed "
                        + "policy waits for --accept-retention); 2: some files could not be removed (each is logged)."})
final class PruneCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--dry-run", description = "only list what would be removed and why the rest is kept; change nothing")
    boolean dryRun;

    @Option(names = "--source", paramLabel = "NAME", description = "only this source")
    String source;

    @Option(names = "--path", paramLabel = "REL", description = "only this file or folder of the source (needs --source)")
    String path;

    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    @Option(names = "--accept-retention",
            description = "apply a changed retention policy even if it removes more than half of all old versions at once")
    boolean acceptRetention;

    @Mixin
    RepoOptions repo;

    @Option(names = "--keep-last", paramLabel = "N",
            description = "with --repo: keep only the newest N snapshots of each host before removing what no snapshot uses")
    Integer keepLast;

    @Override
    public Integer call() throws Exception {
        if (repo.given()) {
            return HandRun.run("prune --repo", config, () -> RepoPrune.run(this));
        }
        return HandRun.run("prune", config, this::prune);
    }

    private HandRun.Done prune() throws Exception {
        if (keepLast != null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--keep-last is for the repository (--repo)");
        }
        Config cfg = dryRun ? config.load() : config.loadLogged();
        if (source != null) {
            cfg.source(source);
        }
        if (path != null && source == null) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--path needs --source NAME (sources: "
                    + String.join(", ", cfg.sources().stream().map(SourceConfig::name).toList()) + ")");
        }
        Predicate<FileRef> scope = this::inScope;
        Clock clock = Clock.systemDefaultZone();
        RetentionPlan plan;
        boolean held;
        Tally counts = new Tally();
        List<String> problems = new ArrayList<>();
        Optional<Scheduler.Result> result = Optional.empty(); // a dry run changes nothing: it is not recorded
        if (dryRun) {
            BackupState state = BackupReader.load(cfg);
            plan = RetentionPass.plan(cfg, state, clock);
            held = !acceptRetention && RetentionPass.waits(plan, new BackupLayout(cfg.backupRoot()),
                    io.keepwatch.fs.RealFs.forFileSystem(cfg.backupRoot().getFileSystem()), new PolicyOutlook(cfg, clock.getZone()));
        } else {
            LogSetup.bind();
            LogSetup.toFile(cfg.logDir());
            Logger log = LoggerFactory.getLogger(PruneCommand.class);
            log.info("keepwatch prune: {}", cfg.backupRoot());
            try (Engine engine = Engine.open(cfg, BackupReader.fs(cfg), clock, Progress.NONE)) {
                RetentionPass.Decision d = engine.applyRetention(acceptRetention, scope, counts);
                problems.addAll(counts.failures());
                engine.commit();
                plan = d.plan();
                held = d.held();
                result = Optional.of(ScheduledJobs.pruned(d, counts, scope));
            }
        }
        print(cfg, plan, scope, held);
        int code = held ? ExitCodes.FAILURE : problems.isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL;
        return new HandRun.Done(code, result);
    }

    private boolean inScope(FileRef ref) {
        if (source != null && !ref.source().equals(source)) {
            return false;
        }
        if (path == null) {
            return true;
        }
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        return p.isEmpty() || ref.rel().equals(p) || ref.rel().startsWith(p + "/");
    }

    private void print(Config cfg, RetentionPlan plan, Predicate<FileRef> scope, boolean held) throws Exception {
        List<Verdict> shown = plan.verdicts().stream().filter(v -> scope.test(v.ref())).toList();
        Totals t = new Totals(shown);
        PrintWriter out = spec.commandLine().getOut();
        String verb = dryRun || held ? "would remove" : "removed";
        if (json) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = m.createObjectNode();
            root.put("dry_run", dryRun);
            root.put("held", held);
            ObjectNode policies = root.putObject("policies");
            for (SourceConfig s : cfg.sources()) {
                RetentionJson.write(policies.putObject(s.name()), cfg.retention(s.name()), io.keepwatch.config.RootCaps.NONE);
            }
            RetentionJson.write(root.putObject("root_limits"), cfg.retention(), cfg.rootCaps());
            ArrayNode items = root.putArray("items");
            for (Verdict v : shown) {
                ObjectNode n = items.addObject();
                n.put("source", v.ref().source());
                n.put("path", v.ref().rel());
                if (v.item() instanceof Verdict.Version ver) {
                    n.put("kind", "version");
                    n.put("version", ver.record().n());
                    n.put("archived_at", ver.time().toString());
                } else {
                    n.put("kind", "deleted");
                    n.put("stored", ((Verdict.Deleted) v.item()).record().stored());
                    n.put("deleted_at", v.item().time().toString());
                }
                n.put("size", v.item().size());
                n.put("keep", v.keep());
                n.put("reason", v.reason());
            }
            ObjectNode totals = root.putObject("totals");
            totals.put("versions_removed", t.versionsRemoved);
            totals.put("deleted_removed", t.deletedRemoved);
            totals.put("bytes_freed", t.bytesFreed);
            totals.put("versions_kept", t.versionsKept);
            totals.put("deleted_kept", t.deletedKept);
            ArrayNode warnings = root.putArray("warnings");
            plan.warnings().forEach(warnings::add);
            out.println(m.writeValueAsString(root));
            out.flush();
            return;
        }
        out.println((dryRun ? "Dry run: nothing is removed. " : "") + "Retention of " + cfg.backupRoot() + " (times are local):");
        for (SourceConfig s : cfg.sources()) {
            if (source == null || s.name().equals(source)) {
                out.println("  " + s.name() + ": " + cfg.retention(s.name()).keep() + cfg.retention(s.name()).maxVersionAge()
                        .map(d -> ", max_version_age_days " + d.toDays()).orElse("") + cfg.retention(s.name()).deletedKeep()
                        .map(d -> ", deleted_keep_days " + d.toDays()).orElse(""));
            }
        }
        for (Verdict v : shown) {
            if (!dryRun && v.keep()) {
                continue;
            }
            String what = v.item() instanceof Verdict.Version ver ? "v" + ver.record().n() : "deleted";
            out.println(String.format(Locale.ROOT, "  %-6s %s %s  %s  %10s  %s", v.keep() ? "keep" : "REMOVE", v.ref(), what,
                    BackupReader.local(v.item().time()), Bytes.format(v.item().size()), v.reason()));
        }
        plan.warnings().forEach(w -> out.println("WARNING: " + w));
        if (held) {
            out.println("HELD: the retention policy changed since it was last applied, and it would remove " + plan.versionsRemoved()
                    + " of the " + plan.versions() + " old versions at once (more than half). Nothing was removed; run "
                    + "`keepwatch prune --accept-retention` to remove them.");
        }
        out.println(String.format(Locale.ROOT, "%s %d old version(s) and %d deleted file(s), %s; %s %d old version(s) and %d deleted file(s).",
                Character.toUpperCase(verb.charAt(0)) + verb.substring(1), t.versionsRemoved, t.deletedRemoved, Bytes.format(t.bytesFreed),
                dryRun || held ? "would keep" : "kept", t.versionsKept, t.deletedKept));
        out.flush();
    }

    /** What a list of verdicts adds up to. */
    private static final class Totals {
        long versionsRemoved;
        long deletedRemoved;
        long versionsKept;
        long deletedKept;
        long bytesFreed;

        Totals(List<Verdict> verdicts) {
            for (Verdict v : verdicts) {
                boolean version = v.item() instanceof Verdict.Version;
                if (v.keep()) {
                    if (version) {
                        versionsKept++;
                    } else {
                        deletedKept++;
                    }
                } else {
                    bytesFreed += v.item().size();
                    if (version) {
                        versionsRemoved++;
                    } else {
                        deletedRemoved++;
                    }
                }
            }
        }
    }
}
