package io.keepwatch.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.restore.RestoreException;
import io.keepwatch.restore.Timeline;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.fs.NameText;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import io.keepwatch.engine.RetentionPass;
import io.keepwatch.retention.Verdict;
import java.time.Clock;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keepwatch versions}: every copy the backup holds of one path, newest first. */
@Command(name = "versions", mixinStandardHelpOptions = true,
        description = "List the current copy, every old version and every deleted copy of one file, newest first.")
final class VersionsCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "SOURCE/PATH", description = "the file, as <source name>/<path inside the source>")
    String path;

    @Option(names = "--json", description = "print JSON for scripts")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Config cfg = config.load();
        FileRef ref;
        try {
            ref = FileRef.parse(path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
        } catch (IllegalArgumentException e) {
            // A wrong command line (64), with what to type instead: the path starts with the source's name.
            List<String> names = cfg.sources().stream().map(SourceConfig::name).toList();
            throw new ParameterException(spec.commandLine(), e.getMessage() + ": start it with the source's name, e.g. "
                    + names.get(0) + "/" + path + " (sources: " + String.join(", ", names) + ")");
        }
        BackupState state = BackupReader.load(cfg);
        List<Timeline.Entry> entries = Timeline.of(state, ref);
        if (entries.isEmpty()) {
            throw new RestoreException("the backup holds nothing of " + ref + (state.sourceNames().contains(ref.source()) ? ""
                    : " (no source is named '" + ref.source() + "'; sources: " + String.join(", ", state.sourceNames()) + ")"));
        }
        PrintWriter out = spec.commandLine().getOut();
        BackupLayout layout = new BackupLayout(cfg.backupRoot());
        Map<String, String> keep = keepReasons(cfg, state, ref);
        if (json) {
            ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = m.createObjectNode();
            root.put("source", ref.source());
            root.put("path", ref.rel());
            ArrayNode arr = root.putArray("entries");
            for (Timeline.Entry e : entries) {
                ObjectNode n = arr.addObject();
                n.put("kind", e.kind().name().toLowerCase(Locale.ROOT));
                if (e.kind() == Timeline.Kind.VERSION) {
                    n.put("version", e.version());
                }
                n.put("since", e.since().toString());
                if (e.until().isPresent()) {
                    n.put(e.kind() == Timeline.Kind.VERSION ? "archived_at" : "deleted_at", e.until().get().toString());
                }
                n.put("size", e.size());
                n.put("hash", e.hash());
                n.put("mtime", Instant.EPOCH.plusNanos(e.mtime()).toString());
                n.put("perms", e.perms());
                n.put("backup_file", backupFile(e, layout, false));
                Optional.ofNullable(keep.get(key(e))).ifPresent(r -> n.put("retention", r));
            }
            out.println(NameText.json(m.writeValueAsString(root)));
        } else {
            out.println(NameText.escape(ref + " (newest first; times are local)"));
            out.println(String.format(Locale.ROOT, "  %-9s %4s  %-25s  %-25s  %12s  %-19s  %s", "WHAT", "N", "ARCHIVED/DELETED AT",
                    "CURRENT SINCE", "SIZE", "HASH", "RETENTION"));
            for (Timeline.Entry e : entries) {
                String what = e.kind().name().toLowerCase(Locale.ROOT);
                out.println(String.format(Locale.ROOT, "  %-9s %4s  %-25s  %-25s  %12s  %-19s  %s%s", what,
                        e.kind() == Timeline.Kind.VERSION ? String.valueOf(e.version()) : "",
                        e.until().map(BackupReader::local).orElse("-"), BackupReader.local(e.since()), e.size() + " B",
                        shortHash(e.hash()), keep.getOrDefault(key(e), ""),
                        e.kind() == Timeline.Kind.DELETED ? "  " + backupFile(e, layout, true) : "").stripTrailing());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * What retention says of each old version and deleted file of {@code ref} now: "keep: daily 2026-11-30", or
     * "goes: more than 10 versions" for what the next pass (or {@code keepwatch prune}) removes.
     */
    private static Map<String, String> keepReasons(Config cfg, BackupState state, FileRef ref) throws java.io.IOException {
        Map<String, String> out = new HashMap<>();
        for (Verdict v : RetentionPass.plan(cfg, state, Clock.systemDefaultZone()).verdicts()) {
            if (v.ref().equals(ref)) {
                String key = v.item() instanceof Verdict.Version ver ? "v" + ver.record().n()
                        : "d" + ((Verdict.Deleted) v.item()).record().stored();
                out.put(key, (v.keep() ? "keep: " : "goes: ") + v.reason());
            }
        }
        return out;
    }

    private static String key(Timeline.Entry e) {
        return e.kind() == Timeline.Kind.VERSION ? "v" + e.version() : e.kind() == Timeline.Kind.DELETED ? "d" + e.stored() : "";
    }

    /** The backup file of {@code e}, relative to the backup root; {@code shown}: escaped for a line of text. */
    private static String backupFile(Timeline.Entry e, BackupLayout layout, boolean shown) {
        String s;
        try {
            s = BackupLayout.relative(layout.root(), e.file(layout));
        } catch (io.keepwatch.restore.UnsafePathException x) {
            s = "(refused: " + x.getMessage() + ")";
        }
        return shown ? NameText.escape(s) : s;
    }

    /** {@code sha256:ab12cd34ef56}: the algorithm and the first 12 hex digits. */
    static String shortHash(String hash) {
        int colon = hash.indexOf(':');
        return hash.length() > colon + 13 ? hash.substring(0, colon + 13) : hash;
    }
}
