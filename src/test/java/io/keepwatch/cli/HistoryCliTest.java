package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keepwatch history} after {@code once}: what a user sees. */
class HistoryCliTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private String config() throws IOException {
        Files.createDirectories(tmp.resolve("source"));
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        return cfg.toString();
    }

    private void write(String rel, String content) throws IOException {
        Path p = tmp.resolve("source").resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    @Test
    void historyListsEachOncePass() throws Exception {
        String c = config();
        Run empty = run("history", "-c", c);
        assertEquals(0, empty.code());
        assertTrue(empty.out().startsWith("No run history yet ("), empty.out());

        write("a.txt", "alpha");
        write("b.txt", "beta");
        assertEquals(0, run("once", "-c", c).code());
        write("a.txt", "alpha 2");
        assertEquals(0, run("once", "-c", c).code());

        Run table = run("history", "-c", c);
        assertEquals(0, table.code(), table.err());
        String[] lines = table.out().split("\n");
        assertTrue(lines[0].matches("Passes since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC: 2"), table.out());
        assertTrue(lines[1].startsWith("started (UTC)"), table.out());
        assertTrue(lines[2].matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +[0-9.]+ s  ONCE +OK +2 +0 +0 +0 +0 +0 +0 +9 B  source"),
                lines[2]);
        assertTrue(lines[3].matches(".* s  ONCE +OK +0 +1 +0 +0 +0 +0 +0 +7 B  source"), lines[3]);

        JsonNode json = new ObjectMapper().readTree(run("history", "-c", c, "--json", "--source", "source").out());
        assertEquals(2, json.get("passes").size());
        JsonNode second = json.get("passes").get(1);
        assertEquals("ONCE", second.get("trigger").asText());
        assertEquals(1, second.get("updated").asInt());
        assertEquals(1, second.get("unchanged").asInt());
        assertEquals(7, second.get("bytes").asLong());
        assertEquals("OK", second.get("outcome").asText());

        Run since = run("history", "-c", c, "--since", "2000-01-01T00:00:00Z", "--failures");
        assertEquals(0, since.code(), since.err());
        assertEquals("Failures since 2000-01-01 00:00:00 UTC: 0\n", since.out());

        Run bad = run("history", "-c", c, "--since", "last tuesday");
        assertEquals(64, bad.code());
        assertTrue(bad.err().contains("--since: 'last tuesday' is neither a time ago"), bad.err());
        Run unknown = run("history", "-c", c, "--source", "nope");
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("no source named 'nope'"), unknown.err());
    }

    @Test
    void aCorruptHistoryIsMovedAsideWithALogLineAndTheBackupGoesOn() throws Exception {
        String c = config();
        write("a.txt", "alpha");
        Path history = tmp.resolve("backup/.keepwatch/history.db");
        Files.createDirectories(history.getParent());
        Files.writeString(history, "this is not an SQLite database, but it is long enough to look like a header...".repeat(20));
        Run once = run("once", "-c", c);
        assertEquals(0, once.code(), once.err());
        assertEquals("alpha", Files.readString(tmp.resolve("backup/source/a.txt")));
        String log = Files.readString(tmp.resolve("logs/keepwatch.log"));
        assertTrue(log.matches("(?s).*ERROR .*The run history .*history.db is corrupt .*; moved it aside to history.db.corrupt-.*"), log);
        try (var files = Files.list(history.getParent())) {
            assertEquals(1, files.filter(f -> f.getFileName().toString().startsWith("history.db.corrupt-")).count());
        }
        Run table = run("history", "-c", c);
        assertTrue(table.out().matches("(?s)Passes since .*: 1\n.*ONCE +OK +1 .*"), "a new history holds the pass: " + table.out());
    }
}
