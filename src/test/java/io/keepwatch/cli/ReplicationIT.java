package io.keepwatch.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(tmp.resolve("src"));
        Files.writeString(tmp.resolve("src/a.txt"), "hello");
        config = tmp.resolve("config.json");
        Files.writeString(config, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"watch\": {\"debounce_ms\": 150, \"max_delay_ms\": 1000, \"state_flush_ms\": 200}, "
                + "\"repository\": {\"url\": \"./usb/repo\", \"key_file\": \"./keys/repo.key\", \"replicate_interval_seconds\": 1}}");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private Process start(String name, String... args) throws IOException {
        Path jar = Paths.get("target", "keepwatch.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run `mvn package` (or `mvn verify`) first");
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile()).start();
        started.add(p);
        return p;
    }

    private int run(String name, String... args) throws Exception {
        Process p = start(name, args);
        assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), name + " did not end");
        return p.exitValue();
    }

    private String text(String file) throws IOException {
        Path p = tmp.resolve(file);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private JsonNode replication() throws Exception {
        run("status-json", "status", "--json", "-c", config.toString());
        String out = text("status-json.out");
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
        assertEquals(0, run("init", "init", "-c", config.toString()), text("init.err"));
        Process service = start("run", "run", "-c", config.toString());
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> snapshots() == 1 || !service.isAlive());
        assertTrue(service.isAlive(), text("run.err"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("in sync"));

        // an edit: backed up, then pushed as a second snapshot
        Files.writeString(tmp.resolve("src/b.txt"), "second file");
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> snapshots() == 2);
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("in sync"));
        assertEquals(0, run("status", "status", "-c", config.toString()), text("status.err"));
        assertTrue(text("status.out").contains("Repository:   " + tmp.resolve("usb/repo") + ": IN SYNC, in sync as of "), text("status.out"));

        // the repository goes away (its disk unmounted): an ERROR, retried; local backups go on
        Files.move(tmp.resolve("usb"), tmp.resolve("usb-away"));
        Files.writeString(tmp.resolve("src/c.txt"), "written while the repository is away");
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> Files.exists(tmp.resolve("backup/src/c.txt")));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("failing"));
        JsonNode r = replication();
        assertTrue(r.path("last_error").asText().contains("there is no keepwatch repository in " + tmp.resolve("usb/repo")), r.toString());
        assertTrue(r.path("pending_changes").asLong() >= 1, r.toString());
        assertTrue(text("logs/keepwatch.log").contains("ERROR") && text("logs/keepwatch.log").contains("Replication to "), text("logs/keepwatch.log"));
        run("status2", "status", "-c", config.toString());
        assertTrue(text("status2.out").contains(": FAILING, ") && text("status2.out").contains("  ERROR:      "), text("status2.out"));
        assertTrue(service.isAlive());

        // back: the next try pushes what waited
        Files.move(tmp.resolve("usb-away"), tmp.resolve("usb"));
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(300)).until(() -> replication().path("state").asText().equals("in sync"));
        assertEquals(3, snapshots());
        service.destroy();
        assertTrue(service.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, run("restore", "restore", "-c", config.toString(), "--repo", "--to", "restored", "--cache-dir", "cache"),
                text("restore.err"));
        assertEquals("written while the repository is away", Files.readString(tmp.resolve("restored/src/c.txt")));
        assertEquals("second file", Files.readString(tmp.resolve("restored/src/b.txt")));
    }
}
