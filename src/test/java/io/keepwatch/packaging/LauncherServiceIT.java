package io.keepwatch.packaging;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's "done when": the launcher {@code bin/keepwatch} from the unpacked tar.gz runs {@code keepwatch run} as a
 * separate process, the way systemd starts it, against temp folders; a file is edited and backed up; SIGTERM stops
 * it cleanly; the state, the backup and the log file say so. Then config reload is a restart: a bad edit exits 78.
 */
class LauncherServiceIT {
    /**
     * A bound on waiting only: no assertion depends on how long anything takes. 120 s, not 60: the launcher's first
     * start builds its class-data archive before the service starts, and at load 24-28 (helpers' test runs beside
     * this one) Ready once came after 60 s.
     */
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path tmp;
    private Path launcher;
    private Path config;
    private Process service;

    @BeforeEach
    void setUp() throws Exception {
        Path top = ReleaseArchiveIT.untar(Files.createDirectories(tmp.resolve("opt")));
        launcher = top.resolve("bin/keepwatch");
        // documents/plain.txt, documents/sub/café ünïcode €.txt; backup, logs beside them. Default watch timings.
        // a free port for the status page: another run on this machine may hold the default one (an ERROR line fails this test)
        config = ReleaseArchiveIT.config(tmp, ",\n  \"http\": {\"listen\": \"127.0.0.1:0\"}");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (service != null && service.isAlive()) {
            service.destroyForcibly();
            service.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private Path log() {
        return tmp.resolve("logs/keepwatch.log");
    }

    private List<String> logLines() throws IOException {
        return Files.exists(log()) ? Files.readAllLines(log(), StandardCharsets.UTF_8) : List.of();
    }

    private String text(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private String describeService() throws IOException {
        return "keepwatch run: stderr:\n" + text(tmp.resolve("run.err")) + "--- log file:\n" + String.join("\n", logLines());
    }

    /** Starts {@code bin/keepwatch run -c CONFIG} from a working directory other than the install, waits for Ready. */
    private Process startService() throws Exception {
        Process p = Run.start(tmp, tmp.resolve("run.out"), tmp.resolve("run.err"), launcher.toString(), "run", "-c",
                config.toString());
        service = p;
        await().atMost(DEADLINE).until(() -> !p.isAlive() || logLines().stream().anyMatch(l -> l.endsWith(" Ready")));
        assertTrue(p.isAlive(), "the service died before Ready: exit " + (p.isAlive() ? "-" : p.exitValue()) + "\n"
                + describeService());
        return p;
    }

    /** SIGTERM, as {@code systemctl stop} sends it; the launcher execs java, so the signal reaches the JVM. */
    private void stop(Process p) throws Exception {
        p.destroy();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "keepwatch run did not stop within 10 s of SIGTERM\n" + describeService());
        assertEquals(143, p.exitValue(), describeService());
    }

    private static String sha256(String content) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void runFromTheUnpackedArchiveBacksUpAnEditAndStopsCleanlyOnSigterm() throws Exception {
        Process p = startService();
        Path source = tmp.resolve("documents");
        Path backup = tmp.resolve("backup");
        // The start-up pass backed up what was there before.
        assertEquals("plain\n", Files.readString(backup.resolve("documents/plain.txt")));
        assertEquals("unicode name\n", Files.readString(backup.resolve("documents/sub/café ünïcode €.txt")));

        Files.writeString(source.resolve("plain.txt"), "plain, edited\n");

        Path current = backup.resolve("documents/plain.txt");
        Path v1 = backup.resolve("versions/documents/plain.txt/v1.bak");
        await().atMost(DEADLINE).until(() -> Files.exists(v1) && "plain, edited\n".equals(text(current)));
        assertEquals("plain\n", Files.readString(v1));

        // The service rewrites its status file every 5 s: wait until it has recorded the batch.
        Path statusFile = backup.resolve(".keepwatch/status.json");
        await().atMost(DEADLINE).until(() -> Files.exists(statusFile)
                && new ObjectMapper().readTree(statusFile.toFile()).path("last_batch_at").isTextual());
        Run status = Run.of(tmp, launcher.toString(), "status", "-c", config.toString());
        assertEquals(0, status.exit, status.describe());
        // Times for a person: UTC to the millisecond at most.
        String instant = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d(\\.\\d{1,3})?)?Z";
        List<String> shown = status.out.lines().toList();
        assertTrue(shown.get(0).matches("keepwatch is running \\(PID " + p.pid() + "\\) since " + instant + ": \\S.*"),
                status.describe());
        assertTrue(shown.stream().anyMatch(l -> l.matches("Last batch: +" + instant)), status.describe());
        assertTrue(shown.stream().anyMatch(l -> l.matches("Updated: +" + instant + " \\(\\d+ s ago\\)")), status.describe());
        assertTrue(status.out.contains("  OK  documents  " + source + "  (2 folders watched)"), status.describe());

        stop(p);

        // The saved state records the edit: the new content is current, the old one is version 1.
        JsonNode state = new ObjectMapper().readTree(backup.resolve("state.json").toFile());
        JsonNode documents = state.path("sources").path("documents");
        assertEquals(sha256("plain, edited\n"), documents.path("files").path("plain.txt").path("hash").asText(),
                state.toPrettyString());
        JsonNode versions = documents.path("history").path("plain.txt").path("versions");
        assertEquals(1, versions.size(), state.toPrettyString());
        assertEquals(1, versions.get(0).path("n").asInt(), state.toPrettyString());
        assertEquals(sha256("plain\n"), versions.get(0).path("hash").asText(), state.toPrettyString());

        // The commands a user runs next, through the same launcher, agree.
        Run list = Run.of(tmp, launcher.toString(), "versions", "-c", config.toString(), "documents/plain.txt");
        assertEquals(0, list.exit, list.describe());
        assertTrue(list.out.lines().anyMatch(l -> l.trim().startsWith("current ")), list.describe());
        assertTrue(list.out.lines().anyMatch(l -> l.trim().matches("version +1 .*")), list.describe());
        Run verify = Run.of(tmp, launcher.toString(), "verify", "-c", config.toString());
        assertEquals(0, verify.exit, verify.describe());
        assertTrue(verify.out.startsWith("Backup intact: 3 file(s) checked"), verify.describe());
        Run after = Run.of(tmp, launcher.toString(), "status", "-c", config.toString());
        assertEquals(4, after.exit, after.describe());
        assertTrue(after.out.lines().findFirst().orElse("").matches("keepwatch is NOT RUNNING: stopped at " + instant),
                after.describe());

        // The log file, in log_dir, tells the story in order and ends with the clean stop.
        List<String> lines = logLines();
        String all = String.join("\n", lines);
        int watch = indexOfLineEnding(lines, " INFO  [main] WATCH start: documents (2 folders)");
        int ready = indexOfLineEnding(lines, " INFO  [main] Ready");
        int archive = indexOfLineEnding(lines,
                " INFO  [main] ARCHIVE: documents/plain.txt → versions/documents/plain.txt/v1.bak");
        int updated = indexOfLineEnding(lines,
                " INFO  [main] UPDATED: " + source.resolve("plain.txt") + " → documents/plain.txt");
        assertTrue(watch >= 0 && watch < ready && ready < archive && archive < updated, all);
        assertTrue(lines.get(lines.size() - 1).endsWith(" INFO  [main] Stopped: state saved, lock released"), all);
        assertFalse(all.contains(" ERROR ") || all.contains(" WARN "), all);
    }

    private static int indexOfLineEnding(List<String> lines, String end) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).endsWith(end)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void restartingWithABrokenConfigExits78AndTheErrorIsTheLastLineOfTheLogFile() throws Exception {
        stop(startService());
        byte[] stateBefore = Files.readAllBytes(tmp.resolve("backup/state.json"));
        List<String> before = logLines();
        assertTrue(before.get(before.size() - 1).endsWith("Stopped: state saved, lock released"), String.join("\n", before));

        // The user edits config.json, makes a typo, and restarts the service.
        Files.writeString(config, Files.readString(config).replace("\"log_dir\"", "\"retenion\": {},\n  \"log_dir\""));
        Path sourceFile = tmp.resolve("documents/plain.txt");
        Files.writeString(sourceFile, "changed while stopped\n");
        Run r = Run.of(tmp, launcher.toString(), "run", "-c", config.toString());

        String error = config + ": unknown key 'retenion'; did you mean 'retention'?";
        assertEquals(78, r.exit, r.describe());
        assertEquals("keepwatch: " + error, r.lastErrLine(), r.describe());
        List<String> lines = logLines();
        assertEquals(before, lines.subList(0, before.size()), "the log file is appended to, not replaced");
        assertEquals(before.size() + 1, lines.size(), String.join("\n", lines));
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} ERROR \\[main] .*"), last);
        assertTrue(last.endsWith(": " + error), last);
        // Nothing was written: the change made while stopped is not backed up, the state is as it was.
        assertArrayEquals(stateBefore, Files.readAllBytes(tmp.resolve("backup/state.json")));
        assertEquals("plain\n", Files.readString(tmp.resolve("backup/documents/plain.txt")));
        assertFalse(Files.exists(tmp.resolve("backup/versions")));
    }
}
