package io.keepwatch.state;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A record of state.json whose path is not a clean relative path ({@link io.keepwatch.fs.RelPath}): set aside when
 * the state is read, kept as it was in the {@code quarantined} section of state.json (written back unchanged by
 * every save), and never acted on. See docs/design.md.
 *
 * @param kind what it was: {@code source} (a whole source), {@code file} (a live entry), {@code history} (a path's
 *     whole history), {@code version} or {@code deletion} (one record of a history), {@code folder} (an empty folder)
 * @param source the source's name as state.json has it
 * @param path the path it was stored under ({@code ""} for a whole source)
 * @param reason why it was set aside
 * @param record the record as it was read
 */
public record QuarantinedRecord(String kind, String source, String path, String reason, JsonNode record) {
    public static final String SOURCE = "source";
    public static final String FILE = "file";
    public static final String HISTORY = "history";
    public static final String VERSION = "version";
    public static final String DELETION = "deletion";
    public static final String FOLDER = "folder";

    /** One line for logs and reports: {@code deletion src/a.txt: stored name '../x': '..' in path}. */
    public String describe() {
        return kind + " " + (path.isEmpty() ? source : source + "/" + path) + ": " + reason;
    }
}
