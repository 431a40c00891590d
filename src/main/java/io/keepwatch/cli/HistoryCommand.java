package io.keepwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.Config;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.history.FailureRow;
import io.keepwatch.history.HistoryStore;
import io.keepwatch.history.JobRow;
import io.keepwatch.history.PassRow;
import io.keepwatch.history.StateRow;
import io.keepwatch.state.BackupLayout;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keepwatch history}: the passes, failures and source state changes the run history holds. */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = {"Show the run history: each pass of once and of the service (its batches per source and minute), "
                + "the sources' state changes, the jobs (verify, check, push, prune, export, import, restore: scheduled or run by "
                + "hand), and with --failures each file that could not be backed up. Times are UTC. "
                + "Works while the service runs."})
final class HistoryCommand implements Callable<Integer> {
    private static final Pattern AGO = Pattern.compile("(\\d{1,6})([mhdw])");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--since", paramLabel = "WHEN", defaultValue = "7d",
            description = "from this long ago (30m, 12h, 7d, 2w) or this time (2026-11-21T10:15:00, local time; or with Z or an offset); default 7d")
    String since;

    @Option(names = "--source", paramLabel = "NAME", description = "only this source")
    String source;

    @Option(names = "--failures", description = "list the files that could not be backed up, with the reason, instead of the passes")
    boolean failures;

    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    /** Stands in for the system clock in tests. */
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws Exception {
        Config cfg = config.load();
        Instant from;
        try {
            from = since(since, clock.instant());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Optional<String> only = Optional.ofNullable(source);
        if (only.isPresent()) {
            cfg.source(only.get()).name();
        }
        Path file = HistoryStore.fileIn(new BackupLayout(cfg.backupRoot()).privateDir());
        PrintWriter out = spec.commandLine().getOut();
        Optional<HistoryStore> opened = HistoryStore.openReadOnly(file);
        if (opened.isEmpty()) {
            if (json) {
                out.println(failures ? "{\"failures\": []}" : "{\"passes\": [], \"source_states\": [], \"jobs\": []}");
            } else {
                out.println("No run history yet (" + file + "): keepwatch once or run writes it.");
            }
            out.flush();
            return ExitCodes.OK;
        }
        try (HistoryStore h = opened.get()) {
            if (json) {
                printJson(h, from, only, out);
            } else if (failures) {
                printFailures(h.failures(from, only), from, out);
            } else {
                printPasses(h.passes(from, only), h.stateChanges(from, only), from, out);
                if (only.isEmpty()) {
                    printJobs(h.jobs(from), out);
                }
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /** {@code 7d} as that long before {@code now}, or a time as {@link TimeArg} reads it. */
    static Instant since(String text, Instant now) {
        Matcher m = AGO.matcher(text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.minus(d);
        }
        try {
            return TimeArg.parse(text, ZoneId.systemDefault()).minusNanos(999_999_999L);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--since: '" + text + "' is neither a time ago (30m, 12h, 7d, 2w) nor a time "
                    + "(2026-11-21T10:15:00)", e);
        }
    }

    private static void printPasses(List<PassRow> passes, List<StateRow> states, Instant from, PrintWriter out) {
        out.printf(Locale.ROOT, "Passes since %s UTC: %d%n", TIME.format(from), passes.size());
        if (!passes.isEmpty()) {
            out.printf(Locale.ROOT, "%-19s  %8s  %-9s  %-7s  %6s  %7s  %4s  %7s  %6s  %6s  %4s  %9s  %s%n", "started (UTC)", "took",
                    "trigger", "outcome", "new", "updated", "dup", "deleted", "pruned", "failed", "held", "copied", "sources");
        }
        for (PassRow p : passes) {
            Counts c = p.counts();
            String trigger = p.trigger().name() + (p.batches() > 1 ? " x" + p.batches() : "");
            out.printf(Locale.ROOT, "%-19s  %8s  %-9s  %-7s  %6d  %7d  %4d  %7d  %6d  %6d  %4d  %9s  %s%s%s%n", TIME.format(p.started()),
                    took(p.duration()), trigger, p.outcome(), c.backedUp(), c.updated(), c.duplicates(), c.deleted(), c.pruned(),
                    c.failed(), p.held(), bytes(c.bytes()), String.join(", ", p.sources()),
                    p.unavailable().isEmpty() ? "" : " (unavailable: " + String.join(", ", p.unavailable()) + ")",
                    p.error().map(e -> " (" + e + ")").orElse(""));
        }
        if (!states.isEmpty()) {
            out.println();
            out.println("Source state changes:");
            for (StateRow s : states) {
                out.printf(Locale.ROOT, "%-19s  %s: %s%s%n", TIME.format(s.at()), s.source(),
                        s.from().map(f -> f + " -> " + s.to()).orElse(s.to() + " (at start)"), s.reason().map(r -> " (" + r + ")").orElse(""));
            }
        }
    }

    private static void printJobs(List<JobRow> jobs, PrintWriter out) {
        if (jobs.isEmpty()) {
            return;
        }
        out.println();
        out.println("Jobs (scheduled, and commands run by hand):");
        for (JobRow j : jobs) {
            out.printf(Locale.ROOT, "%-19s  %8s  %-14s  %-8s  %-7s  %s%n", TIME.format(j.started()), took(j.duration()), j.job(),
                    j.by() == EngineEvent.JobFinished.By.SCHEDULE ? "schedule" : "by hand", j.outcome(),
                    io.keepwatch.fs.NameText.escape(j.summary()));
            j.problems().forEach(p -> out.println("    " + io.keepwatch.fs.NameText.escape(p)));
        }
    }

    private static void printFailures(List<FailureRow> rows, Instant from, PrintWriter out) {
        out.printf(Locale.ROOT, "Failures since %s UTC: %d%n", TIME.format(from), rows.size());
        for (FailureRow f : rows) {
            out.printf(Locale.ROOT, "%-19s  %-11s  %s/%s: %s%n", TIME.format(f.at()), f.reason(), f.source(), f.path(), f.message());
        }
    }

    private void printJson(HistoryStore h, Instant from, Optional<String> only, PrintWriter out) throws Exception {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("since", from.toString());
        if (failures) {
            ArrayNode a = root.putArray("failures");
            for (FailureRow f : h.failures(from, only)) {
                ObjectNode n = a.addObject();
                n.put("at", f.at().toString());
                n.put("source", f.source());
                n.put("path", f.path());
                n.put("reason", f.reason().name());
                n.put("message", f.message());
            }
        } else {
            ArrayNode a = root.putArray("passes");
            for (PassRow p : h.passes(from, only)) {
                ObjectNode n = a.addObject();
                n.put("started", p.started().toString());
                n.put("ended", p.ended().toString());
                n.put("trigger", p.trigger().name());
                n.put("batches", p.batches());
                p.sources().forEach(n.putArray("sources")::add);
                n.put("outcome", p.outcome().name());
                Counts c = p.counts();
                n.put("backed_up", c.backedUp());
                n.put("updated", c.updated());
                n.put("duplicates", c.duplicates());
                n.put("deleted", c.deleted());
                n.put("unchanged", c.unchanged());
                n.put("failed", c.failed());
                n.put("pruned", c.pruned());
                n.put("held", p.held());
                n.put("bytes", c.bytes());
                p.unavailable().forEach(n.putArray("unavailable")::add);
                p.error().ifPresent(e -> n.put("error", e));
            }
            ArrayNode s = root.putArray("source_states");
            for (StateRow r : h.stateChanges(from, only)) {
                ObjectNode n = s.addObject();
                n.put("at", r.at().toString());
                n.put("source", r.source());
                r.from().ifPresentOrElse(f -> n.put("from", f.name()), () -> n.putNull("from"));
                n.put("to", r.to().name());
                r.reason().ifPresent(x -> n.put("reason", x));
            }
            ArrayNode jobs = root.putArray("jobs");
            for (JobRow j : only.isEmpty() ? h.jobs(from) : List.<JobRow>of()) {
                ObjectNode n = jobs.addObject();
                n.put("job", j.job());
                n.put("trigger", j.by().name());
                n.put("started", j.started().toString());
                n.put("ended", j.ended().toString());
                n.put("seconds", j.duration().toMillis() / 1000.0);
                n.put("outcome", j.outcome().name());
                n.put("summary", j.summary());
                n.put("files", j.figures().files());
                n.put("bytes", j.figures().bytes());
                n.put("damage", j.figures().damage());
                j.problems().forEach(n.putArray("problems")::add);
            }
        }
        out.println(m.writeValueAsString(root));
    }

    private static String took(Duration d) {
        long ms = d.toMillis();
        return ms < 60_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : String.format(Locale.ROOT, "%d min", ms / 60_000);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
