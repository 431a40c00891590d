package io.keepwatch.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.events.SourceState;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.Modes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes {@code .keepwatch/status.json}. A write goes to {@code status.json.tmp} and is renamed
 * over the old file, so a reader never sees half a file. It is owner-only, like everything in {@code .keepwatch/}. The service rewrites it every few seconds
 * ({@link Timing#HEARTBEAT}); a status not rewritten for {@link #STALE_AFTER} belongs to a service that is
 * not running (or hangs).
 */
public final class StatusFile {
    /** A running service rewrites the file every 5 s; one older than this is stale. */
    public static final Duration STALE_AFTER = Duration.ofSeconds(60);

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatusFile() {
    }

    public static void write(Fs fs, Path file, ServiceStatus s) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Modes.writePrivate(tmp, io.keepwatch.fs.NameText.json(toJson(s)).getBytes(StandardCharsets.UTF_8));
        fs.replaceAtomically(tmp, file);
    }

    public static String toJson(ServiceStatus s) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("pid", s.pid());
        root.put("started_at", s.startedAt().toString());
        root.put("updated_at", s.updatedAt().toString());
        root.put("running", s.running());
        root.put("activity", s.activity());
        ArrayNode sources = root.putArray("sources");
        for (ServiceStatus.Source src : s.sources()) {
            ObjectNode n = sources.addObject();
            n.put("name", src.name());
            n.put("path", src.path());
            n.put("state", src.state().name());
            n.put("folders_watched", src.foldersWatched());
            src.reason().ifPresentOrElse(r -> n.put("reason", r), () -> n.putNull("reason"));
            n.put("held_deletions", src.heldDeletions());
            src.heldReason().ifPresentOrElse(r -> n.put("held_reason", r), () -> n.putNull("held_reason"));
            ArrayNode folders = n.putArray("unavailable_folders");
            src.unavailableFolders().forEach((rel, why) -> folders.addObject().put("path", rel).put("reason", why));
        }
        s.lastBatchAt().ifPresentOrElse(t -> root.put("last_batch_at", t.toString()), () -> root.putNull("last_batch_at"));
        root.put("queue_depth", s.queueDepth());
        root.put("pending_paths", s.pendingPaths());
        ObjectNode counts = root.putObject("counts");
        for (String k : List.of("backed_up", "updated", "duplicates", "deleted", "unchanged", "failed", "pruned")) {
            counts.put(k, s.counts().getOrDefault(k, 0L));
        }
        ObjectNode err = root.putObject("last_error");
        s.lastErrorAt().ifPresentOrElse(t -> err.put("at", t.toString()), () -> err.putNull("at"));
        s.lastError().ifPresentOrElse(m -> err.put("message", m), () -> err.putNull("message"));
        s.config().ifPresent(c -> {
            root.put("config_file", c.file());
            c.sha256().ifPresentOrElse(h -> root.put("config_sha256", h), () -> root.putNull("config_sha256"));
        });
        try {
            return MAPPER.writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise a JSON tree: " + e, e);
        }
    }

    /**
     * When the status file was last written, if it says the service is running: read by a service that holds the backup
     * root's lock, before it writes its own, this means the one before stopped without saying so (killed, crashed, power
     * lost). Empty if there is no such file, it says stopped, or it cannot be read.
     */
    public static Optional<Instant> leftRunning(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            ServiceStatus s = read(file);
            return s.running() ? Optional.of(s.updatedAt()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Reads a status file; an unreadable or malformed one is an IOException naming the file and the reason. */
    public static ServiceStatus read(Path file) throws IOException {
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not a valid status file: " + e.getOriginalMessage(), e);
        }
        try {
            List<ServiceStatus.Source> sources = new ArrayList<>();
            for (JsonNode n : need(root, "sources", file)) {
                Map<String, String> folders = new LinkedHashMap<>();
                for (JsonNode f : n.path("unavailable_folders")) {
                    folders.put(need(f, "path", file).asText(), f.path("reason").asText(""));
                }
                sources.add(new ServiceStatus.Source(need(n, "name", file).asText(), need(n, "path", file).asText(),
                        SourceState.valueOf(need(n, "state", file).asText()), need(n, "folders_watched", file).asInt(),
                        text(n.get("reason")), n.path("held_deletions").asInt(0), text(n.get("held_reason")), folders));
            }
            Map<String, Long> counts = new LinkedHashMap<>();
            need(root, "counts", file).fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
            JsonNode err = need(root, "last_error", file);
            return new ServiceStatus(need(root, "pid", file).asLong(), Instant.parse(need(root, "started_at", file).asText()),
                    Instant.parse(need(root, "updated_at", file).asText()), need(root, "running", file).asBoolean(),
                    need(root, "activity", file).asText(), sources, text(root.get("last_batch_at")).map(Instant::parse),
                    need(root, "queue_depth", file).asInt(), need(root, "pending_paths", file).asInt(), counts,
                    text(err.get("at")).map(Instant::parse), text(err.get("message")),
                    text(root.get("config_file")).map(f -> new ServiceStatus.ConfigInUse(f, text(root.get("config_sha256")))));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw new IOException(file + ": not a valid status file: " + e.getMessage(), e);
        }
    }

    private static JsonNode need(JsonNode n, String key, Path file) throws IOException {
        JsonNode v = n == null ? null : n.get(key);
        if (v == null || v.isNull()) {
            throw new IOException(file + ": not a valid status file: '" + key + "' is missing");
        }
        return v;
    }

    private static Optional<String> text(JsonNode n) {
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
    }
}
