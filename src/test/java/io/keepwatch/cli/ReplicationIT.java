package io.keepwatch.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.testing.KeepwatchProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keepwatch run} with a repository entry, as a separate process: it pushes after backups, {@code status}
 * shows the replication, and a repository that goes away (an unmounted disk) is an ERROR in the log and the status,
 * retried until it is back, while local backups go on.
 */
class ReplicationIT {
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path tmp;
    private Path config;
    private KeepwatchProcesses kw;

    @BeforeEach
    void setUp() throws IOException {
        kw = new KeepwatchProcesses(tmp, DEADLINE);
        Files.createDirectories(tmp.resolve("src"));
        Files.writeString(tmp.resolve("src/a.txt"), "hello");
        config = tmp.resolve("config.json");
        Files.writeString(config, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"watch\": {\"debounce_ms\": 150, \"max_delay_ms\": 1000, \"state_flush_ms\": 200}, "
                + "\"repository\": {\"url\": \"./usb/repo\", \"key_file\": \"./keys/repo.key\", \"replicate_interval_seconds\": 1}}");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        kw.close();
    }

    private JsonNode replication() throws Exception {
        kw.run("status-json", "status", "--json", "-c", config.toString());
        String out = kw.text("status-json.out");
        if (out.isBlank()) {
            return new ObjectMapper().createObjectNode();
        }
        return new ObjectMapper().readTree(out).path("replication");
    }

    private long snapshots() throws IOException {
        Path dir = tmp.resolve("usb/repo/snapshots");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (var s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void runPushesAfterBackupsAndSurvivesARepositoryThatGoesAway() throws Exception {
        assertEquals(0, kw.run("init", "init", "-c", config.toString()), kw.text("init.err"));
        Process service = kw.start("run", "run", "-c", config.toString());
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> snapshots() == 1 || !service.isAlive());
        assertTrue(service.isAlive(), kw.text("run.err"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("in sync"));

        // an edit: backed up, then pushed as a second snapshot
        Files.writeString(tmp.resolve("src/b.txt"), "second file");
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> snapshots() == 2);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("in sync"));
        assertEquals(0, kw.run("status", "status", "-c", config.toString()), kw.text("status.err"));
        assertTrue(kw.text("status.out").contains("Repository:   " + tmp.resolve("usb/repo") + ": IN SYNC, in sync as of "), kw.text("status.out"));

        // the repository goes away (its disk unmounted): an ERROR, retried; local backups go on
        Files.move(tmp.resolve("usb"), tmp.resolve("usb-away"));
        Files.writeString(tmp.resolve("src/c.txt"), "written while the repository is away");
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> Files.exists(tmp.resolve("backup/src/c.txt")));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("failing"));
        JsonNode r = replication();
        assertTrue(r.path("last_error").asText().contains("there is no keepwatch repository in " + tmp.resolve("usb/repo")), r.toString());
        assertTrue(r.path("pending_changes").asLong() >= 1, r.toString());
        assertTrue(kw.text("logs/keepwatch.log").contains("ERROR") && kw.text("logs/keepwatch.log").contains("Replication to "), kw.text("logs/keepwatch.log"));
        kw.run("status2", "status", "-c", config.toString());
        assertTrue(kw.text("status2.out").contains(": FAILING, ") && kw.text("status2.out").contains("  ERROR:      "), kw.text("status2.out"));
        assertTrue(service.isAlive());

        // back: the next try pushes what waited
        Files.move(tmp.resolve("usb-away"), tmp.resolve("usb"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("in sync"));
        assertEquals(3, snapshots());
        service.destroy();
        assertTrue(service.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, kw.run("restore", "restore", "-c", config.toString(), "--repo", "--to", "restored", "--cache-dir", "cache"),
                kw.text("restore.err"));
        assertEquals("written while the repository is away", Files.readString(tmp.resolve("restored/src/c.txt")));
        assertEquals("second file", Files.readString(tmp.resolve("restored/src/b.txt")));
    }
}
