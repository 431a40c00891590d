package io.keepwatch.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.ScheduleConfig.Job;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.Modes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each scheduled job last ran (or was first scheduled), kept in {@code .keepwatch/schedules.json} so that a
 * slot missed while the service was down runs once at its next start. Written whole to a temporary file, synced and
 * renamed over the old one. A file that cannot be read is logged and taken as empty: every job then counts from now
 * (a missed slot is not run; nothing runs twice). Used by the scheduler's thread only.
 */
final class ScheduleMarks {
    private static final Logger log = LoggerFactory.getLogger(ScheduleMarks.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String FILE_NAME = "schedules.json";

    private final Path file;
    private final Fs fs;
    private final Map<Job, Instant> last = new EnumMap<>(Job.class);

    private ScheduleMarks(Path file, Fs fs) {
        this.file = file;
        this.fs = fs;
    }

    /** The marks in {@code file} (the backup root's private folder's {@link #FILE_NAME}). */
    static ScheduleMarks load(Path file, Fs fs) {
        ScheduleMarks m = new ScheduleMarks(file, fs);
        if (!Files.exists(file)) {
            return m;
        }
        try {
            JsonNode root = JSON.readTree(Files.readAllBytes(file));
            if (root == null || !root.isObject()) {
                throw new IOException("not a JSON object");
            }
            for (Job job : Job.values()) {
                JsonNode n = root.get(job.key());
                if (n != null && n.isTextual()) {
                    m.last.put(job, Instant.parse(n.asText()));
                }
            }
        } catch (IOException | DateTimeParseException e) {
            log.warn("Cannot read {} ({}); every schedule counts from now: a slot missed while the service was down is not "
                    + "run this time", file, e.getMessage());
            m.last.clear();
        }
        return m;
    }

    Optional<Instant> last(Job job) {
        return Optional.ofNullable(last.get(job));
    }

    /** Records that {@code job} ran (or was scheduled) at {@code at}, durably. */
    void set(Job job, Instant at) throws IOException {
        last.put(job, at);
        ObjectNode root = JSON.createObjectNode();
        last.forEach((j, t) -> root.put(j.key(), t.toString()));
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        Modes.writePrivate(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        fs.syncFile(tmp);
        fs.replaceAtomically(tmp, file);
    }
}
