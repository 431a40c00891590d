package io.keepwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code keepwatch check-config}: validates the configuration and prints it as keepwatch understands it. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Validate the config file and print the resolved configuration (absolute paths, defaults filled in).")
final class CheckConfigCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Config c = config.load();
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("config_file", c.configFile().toString());
        ArrayNode sources = root.putArray("sources");
        for (SourceConfig s : c.sources()) {
            ObjectNode n = sources.addObject();
            n.put("name", s.name());
            n.put("path", s.path().toString());
            if (!s.internalExcludes().isEmpty()) {
                ArrayNode ex = n.putArray("keepwatch_folders_skipped");
                s.internalExcludes().forEach(ex::add);
            }
            ObjectNode g = n.putObject("deletion_guard");
            g.put("max_delete_percent", s.guard().maxDeletePercent());
            g.put("max_delete_min_files", s.guard().maxDeleteMinFiles());
            s.guard().markerFile().ifPresentOrElse(f -> g.put("marker_file", f), () -> g.putNull("marker_file"));
        }
        root.put("backup_root", c.backupRoot().toString());
        root.put("log_dir", c.logDir().toString());
        root.put("log_file", c.logDir().resolve("keepwatch.log").toString());
        root.put("hash_algorithm", c.hashAlgorithm().configName());
        RetentionJson.write(root.putObject("retention"), c.retention(), c.rootCaps());
        for (SourceConfig s : c.sources()) {
            if (c.retentionOverrides().containsKey(s.name())) {
                ObjectNode n = (ObjectNode) sources.get(c.sources().indexOf(s));
                RetentionJson.write(n.putObject("retention"), c.retention(s.name()), io.keepwatch.config.RootCaps.NONE);
            }
        }
        ArrayNode ex = root.putArray("exclude");
        c.exclude().forEach(ex::add);
        ObjectNode w = root.putObject("watch");
        w.put("debounce_ms", c.watch().debounce().toMillis());
        w.put("max_delay_ms", c.watch().maxDelay().toMillis());
        w.put("state_flush_ms", c.watch().stateFlush().toMillis());
        w.put("state_rewrite_percent", c.watch().stateRewritePercent());
        w.put("state_rewrite_minutes", c.watch().stateRewriteInterval().toMinutes());
        w.put("rescan_interval_minutes", c.watch().rescanInterval().toMinutes());
        w.put("queue_capacity", c.watch().queueCapacity());
        root.putObject("history").put("keep_days", c.history().keep().toDays());
        ObjectNode sched = root.putObject("schedules");
        c.schedules().crons().forEach((job, cron) -> sched.put(job.key(), cron.toString()));
        if (c.schedules().crons().containsKey(io.keepwatch.config.ScheduleConfig.Job.CHECK)) {
            sched.put("check_read_data_subset", String.format(java.util.Locale.ROOT, "%.4g%%",
                    c.schedules().checkReadFraction() * 100).replaceFirst("\\.?0+%$", "%"));
        }
        c.schedules().export().ifPresent(e -> {
            sched.put("export_to", e.folder().toString());
            sched.put("export_key_file", e.keyFile().toString());
            sched.put("export_keep", e.keep());
        });
        c.http().ifPresentOrElse(h -> {
            ObjectNode n = root.putObject("http");
            n.put("listen", h.listen());
            n.put("token_required", h.tokenRequired());
        }, () -> root.putNull("http"));
        spec.commandLine().getOut().println("Configuration OK: " + c.configFile());
        spec.commandLine().getOut().println(m.writeValueAsString(root));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
