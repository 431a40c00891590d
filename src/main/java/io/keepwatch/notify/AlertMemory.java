package io.keepwatch.notify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.fs.Modes;
import io.keepwatch.notify.Alerts.Key;
import io.keepwatch.notify.Alerts.Problem;
import io.keepwatch.notify.Message.Kind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link Alerts} must remember from one run of keepwatch to the next: the problems still open and when each
 * problem was last told. Kept in {@code .keepwatch/notify-state.json}, so that {@code once} run by cron every hour
 * counts a lasting problem into a digest instead of telling it again each time, tells its end once, and so that a
 * restarted service does the same. The file is read as untrusted: anything it holds that is not understood is
 * left out (a problem then may be told again; nothing else).
 */
final class AlertMemory {
    private static final Logger log = LoggerFactory.getLogger(AlertMemory.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE_NAME = "notify-state.json";
    private static final int MAX_LINES = 100;

    private AlertMemory() {
    }

    /** Puts what {@code file} remembers into {@code alerts}; a missing file is nothing to remember. */
    static void restore(Path file, Alerts alerts) {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) {
                throw new IOException("not a JSON object");
            }
            for (JsonNode n : root.path("last_sent")) {
                Key key = key(n);
                if (key != null && n.path("at").isTextual()) {
                    alerts.lastSent().put(key, Instant.parse(n.get("at").asText()));
                }
            }
            for (JsonNode n : root.path("open")) {
                Key key = key(n);
                if (key == null || !n.path("title").isTextual() || !n.path("last_sent").isTextual()) {
                    continue;
                }
                Problem p = new Problem();
                p.title = n.get("title").asText();
                p.lines = new ArrayList<>();
                for (JsonNode l : n.path("lines")) {
                    if (p.lines.size() < MAX_LINES) {
                        p.lines.add(l.asText());
                    }
                }
                p.lastSent = Instant.parse(n.get("last_sent").asText());
                p.told = n.path("told").asBoolean(true);
                p.repeats = Math.max(0, n.path("repeats").asInt(0));
                p.firstRepeat = n.path("first_repeat").isTextual() ? Instant.parse(n.get("first_repeat").asText()) : p.lastSent;
                alerts.open().put(key, p);
            }
        } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
            log.warn("Cannot read {} ({}); notifications start afresh: a problem still open may be told again", file, e.getMessage());
            alerts.open().clear();
            alerts.lastSent().clear();
        }
    }

    private static Key key(JsonNode n) {
        try {
            return new Key(Kind.valueOf(n.path("kind").asText()), n.path("source").asText(""));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Writes what {@code alerts} must remember to {@code file} (a temporary file renamed over it). The last writer
     * wins: what a command run by hand opened or ended while the service runs is what the service's next write
     * replaces.
     */
    static void save(Path file, Alerts alerts) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode open = root.putArray("open");
        for (Map.Entry<Key, Problem> e : alerts.open().entrySet()) {
            Problem p = e.getValue();
            if (p.lastSent == null) {
                continue;
            }
            ObjectNode n = put(open.addObject(), e.getKey());
            n.put("title", p.title);
            ArrayNode lines = n.putArray("lines");
            List<String> all = p.lines == null ? List.of() : p.lines;
            all.stream().limit(MAX_LINES).forEach(lines::add);
            n.put("last_sent", p.lastSent.toString());
            n.put("told", p.told);
            n.put("repeats", p.repeats);
            if (p.firstRepeat != null) {
                n.put("first_repeat", p.firstRepeat.toString());
            }
        }
        ArrayNode sent = root.putArray("last_sent");
        alerts.lastSent().forEach((k, at) -> put(sent.addObject(), k).put("at", at.toString()));
        // One temporary file per process: the service and a command run by hand may both write this file.
        Path tmp = file.resolveSibling(FILE_NAME + "." + ProcessHandle.current().pid() + ".tmp");
        Modes.writePrivate(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static ObjectNode put(ObjectNode n, Key k) {
        n.put("kind", k.kind().name());
        n.put("source", k.source());
        return n;
    }
}
