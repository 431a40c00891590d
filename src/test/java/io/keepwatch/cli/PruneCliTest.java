package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keepwatch prune} and the size caps on a small real folder: fill the versions past a cap, see the dry run list
 * the oldest as going and the rest with their rule, see a change of policy that removes most versions wait for
 * {@code --accept-retention}, then the oldest go and the newest of each file stay; a cap that cannot be met is a
 * WARNING, never a failure. And the migration: {@code max_versions_per_file} acts as {@code keep_last}.
 */
class PruneCliTest {
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

    private String config(String retention) throws IOException {
        Files.createDirectories(tmp.resolve("source"));
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, ("{'sources': ['./source'], 'backup_root': './backup', 'log_dir': './logs', 'retention': "
                + retention + "}").replace('\'', '"'));
        return cfg.toString();
    }

    private void write(String rel, char c, int version) throws IOException {
        Path p = tmp.resolve("source").resolve(rel);
        Files.writeString(p, String.valueOf(c).repeat(1000), StandardCharsets.UTF_8);
        Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(version)));
    }

    private boolean exists(String rel) {
        return Files.exists(tmp.resolve("backup").resolve(rel));
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("logs/keepwatch.log"));
    }

    /** a.txt gets v1..v4 and b.txt v1, 1000 bytes each. */
    private void history(String cfg) throws IOException {
        write("a.txt", 'a', 0);
        write("b.txt", 'b', 0);
        assertEquals(0, run("once", "-c", cfg).code());
        for (int i = 1; i <= 4; i++) {
            write("a.txt", (char) ('c' + i), i);
            assertEquals(0, run("once", "-c", cfg).code());
        }
        write("b.txt", 'z', 9);
        assertEquals(0, run("once", "-c", cfg).code());
    }

    @Test
    void sizeCapRemovesTheOldestAndKeepsTheNewestOfEachFile() throws Exception {
        history(config("{'keep_last': 10}"));
        for (int n = 1; n <= 4; n++) {
            assertTrue(exists("versions/source/a.txt/v" + n + ".bak"), "v" + n);
        }
        assertTrue(exists("versions/source/b.txt/v1.bak"));
        String cfg = config("{'keep_last': 10, 'versions_max_bytes': 2500}");

        Run dry = run("prune", "--dry-run", "-c", cfg);
        assertEquals(1, dry.code(), dry.out() + dry.err());
        assertTrue(dry.out().contains("Dry run: nothing is removed."), dry.out());
        assertTrue(dry.out().matches("(?s).*REMOVE +source/a.txt v1 .*over versions_max_bytes \\(2.4 KiB\\).*"), dry.out());
        assertTrue(dry.out().matches("(?s).*keep +source/a.txt v4 .*last 10.*"), dry.out());
        assertTrue(dry.out().contains("HELD: the retention policy changed"), dry.out());
        assertTrue(dry.out().contains("Would remove 3 old version(s) and 0 deleted file(s), 2.9 KiB; would keep 2 old version(s)"),
                dry.out());
        assertTrue(exists("versions/source/a.txt/v1.bak"), "a dry run removes nothing");

        JsonNode json = new ObjectMapper().readTree(run("prune", "--dry-run", "--json", "--source", "source", "--path", "a.txt",
                "-c", cfg).out());
        assertEquals(3, json.get("totals").get("versions_removed").asInt());
        assertEquals(3000, json.get("totals").get("bytes_freed").asLong());
        assertEquals(4, json.get("items").size(), "only a.txt");
        assertEquals("last 10", json.get("items").get(3).get("reason").asText());

        // Three of five versions at once, after a change of policy: it waits.
        Run held = run("prune", "-c", cfg);
        assertEquals(1, held.code(), held.out());
        assertTrue(exists("versions/source/a.txt/v1.bak"));
        assertTrue(log().contains("RETENTION held: the retention policy changed"), log());
        assertEquals(0, run("once", "-c", cfg).code());
        assertTrue(exists("versions/source/a.txt/v1.bak"), "a pass does not apply it either");

        Run applied = run("prune", "--accept-retention", "-c", cfg);
        assertEquals(0, applied.code(), applied.out() + applied.err());
        assertTrue(applied.out().contains("Removed 3 old version(s)"), applied.out());
        for (int n = 1; n <= 3; n++) {
            assertFalse(exists("versions/source/a.txt/v" + n + ".bak"), "v" + n);
        }
        assertTrue(exists("versions/source/a.txt/v4.bak"));
        assertTrue(exists("versions/source/b.txt/v1.bak"));
        assertTrue(log().contains("RETENTION delete: versions/source/a.txt/v1.bak (over versions_max_bytes (2.4 KiB))"), log());
        Run versions = run("versions", "source/a.txt", "-c", cfg);
        assertTrue(versions.out().contains("keep: last 10"), versions.out());

        // A cap below the newest versions cannot be met: a warning, the newest stay, and the pass succeeds.
        cfg = config("{'keep_last': 10, 'versions_max_bytes': 1}");
        Run impossible = run("prune", "-c", cfg);
        assertEquals(0, impossible.code(), impossible.out());
        assertTrue(impossible.out().contains("WARNING: The old versions take 2.0 KiB, more than the 1 B of versions_max_bytes: "
                + "what is left is the newest version of each file"), impossible.out());
        assertEquals(0, run("once", "-c", cfg).code());
        assertTrue(log().matches("(?s).*WARN  \\[main] RETENTION: The old versions take 2.0 KiB.*"), log());
        assertTrue(exists("versions/source/a.txt/v4.bak"));
        assertTrue(exists("versions/source/b.txt/v1.bak"));
    }

    @Test
    void theOldMaxVersionsPerFileIsKeepLast() throws Exception {
        String cfg = config("{'max_versions_per_file': 2, 'deleted_keep_days': 90}");
        history(cfg);
        assertFalse(exists("versions/source/a.txt/v1.bak"));
        assertFalse(exists("versions/source/a.txt/v2.bak"));
        assertTrue(exists("versions/source/a.txt/v3.bak"));
        assertTrue(exists("versions/source/a.txt/v4.bak"));
        assertTrue(log().contains("RETENTION delete: versions/source/a.txt/v1.bak (more than 2 versions)"), log());
        Run check = run("check-config", "-c", cfg);
        assertTrue(check.out().contains("\"keep_last\" : 2"), check.out());
        Run dry = run("prune", "--dry-run", "-c", cfg);
        assertEquals(0, dry.code());
        assertTrue(dry.out().contains("source: keep_last 2, deleted_keep_days 90"), dry.out());
        assertTrue(dry.out().contains("Would remove 0 old version(s)"), dry.out());
    }
}
