package io.keepwatch.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.s3.FaultProxy;
import io.keepwatch.s3.S3ProxyServer;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.testing.KeepwatchProcesses;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keepwatch run} replicating into an S3 repository (S3Proxy, started here; the service is a separate process):
 * an endpoint that goes down is "remote unavailable" (status, status --json, one WARN) while local backups go on,
 * and the replicator catches up by itself when it is back; a service killed with SIGKILL in the middle of an upload
 * completes the push after its restart. Each ends with {@code check --read-data} clean and a restore on a new
 * machine equal to the source.
 */
class S3ReplicationIT {
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(300);

    @TempDir
    static Path shared;
    static S3ProxyServer server;
    static Path credentials;

    @TempDir
    Path tmp;
    private KeepwatchProcesses kw;
    private Path config;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3ProxyServer(shared.resolve("s3"), "backups");
        credentials = S3ProxyServer.credentialsFile(shared.resolve("aws/credentials"));
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        kw = new KeepwatchProcesses(tmp, DEADLINE);
        Files.createDirectories(tmp.resolve("src/docs"));
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        kw.close();
    }

    /** A config with a repository at {@code url}, replicated every second; {@code s3} adds settings of the s3 entry. */
    private Path writeConfig(Path dir, String url, String s3) throws IOException {
        Path c = dir.resolve("config.json");
        Files.writeString(c, ("{'sources': ['./src'], 'backup_root': './backup', 'log_dir': './logs', "
                + "'watch': {'debounce_ms': 150, 'max_delay_ms': 1000, 'state_flush_ms': 200}, "
                + "'repository': {'url': '" + url + "', 'key_file': './keys/repo.key', 'replicate_interval_seconds': 1, "
                + "'s3': {'credentials_file': '" + credentials + "', 'part_size_mib': 5" + s3 + "}}}").replace('\'', '"'));
        return c;
    }

    /** What {@code status --json} shows of the replication. */
    private JsonNode replicationShown() throws Exception {
        assertEquals(0, kw.run("status-json", "status", "--json", "-c", config.toString()), kw.text("status-json.err"));
        return new ObjectMapper().readTree(kw.text("status-json.out")).path("replication");
    }

    /** The replicator's status as its file has it now (read as status reads it; cheaper to poll than a status process). */
    private Optional<ReplicationStatus> replication() {
        return ReplicationStatus.find(new BackupLayout(tmp.resolve("backup")));
    }

    private String state() {
        return replication().map(ReplicationStatus::state).orElse("");
    }

    /** Objects under {@code prefix/folder/} in the server's filesystem backend. */
    private static long objects(String prefix, String folder) {
        Path dir = shared.resolve("s3/backups").resolve(prefix).resolve(folder);
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().matches("[0-9a-f]{64}")).count();
        } catch (IOException e) {
            return 0; // being written
        }
    }

    private static long lines(String text, String fragment) {
        return text.lines().filter(l -> l.contains(fragment)).count();
    }

    /** The service stopped with SIGTERM. */
    private static void stop(Process service) throws InterruptedException {
        service.destroy();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS), "the service did not stop");
    }

    /**
     * A new machine: an empty folder with the config (pointing at the server itself), the key and the credentials.
     * {@code check --read-data} is clean, and the restore equals {@code src}.
     */
    private void checkAndRestoreOnANewMachine(String prefix) throws Exception {
        Path other = tmp.resolve("new-machine");
        Files.createDirectories(other.resolve("keys"));
        Files.copy(tmp.resolve("keys/repo.key"), other.resolve("keys/repo.key"));
        Path cfg = writeConfig(other, server.url("backups/" + prefix), "");
        KeepwatchProcesses there = new KeepwatchProcesses(other, DEADLINE);
        try {
            assertEquals(0, there.run("check", "check", "-c", cfg.toString(), "--cache-dir", "cache", "--read-data"),
                    there.text("check.out") + there.text("check.err"));
            assertTrue(there.text("check.out").startsWith("No damage: "), there.text("check.out"));
            assertFalse(there.text("check.out").contains("DAMAGED"), there.text("check.out"));
            assertEquals(0, there.run("restore", "restore", "-c", cfg.toString(), "--cache-dir", "cache", "--repo", "--to", "restored"),
                    there.text("restore.out") + there.text("restore.err"));
        } finally {
            there.close();
        }
        Map<String, String> expected = S3RepoCliTest.tree(tmp.resolve("src"));
        assertEquals(expected, S3RepoCliTest.tree(other.resolve("restored/src")));
    }

    @Test
    void anEndpointThatGoesDownIsRemoteUnavailableWhileLocalBackupsGoOnAndTheReplicatorCatchesUpWhenItIsBack() throws Exception {
        String prefix = "down-up";
        Files.writeString(tmp.resolve("src/a.txt"), "hello");
        try (FaultProxy proxy = new FaultProxy(server.port(), List.of(new FaultProxy.Pass(Long.MAX_VALUE)))) {
            config = writeConfig(tmp, "s3:http://127.0.0.1:" + proxy.port() + "/backups/" + prefix, ", 'retry_max_seconds': 2");
            assertEquals(0, kw.run("init", "init", "-c", config.toString()), kw.text("init.err"));
            Process service = kw.start("run", "run", "-c", config.toString());
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> objects(prefix, "snapshots") == 1 || !service.isAlive());
            assertTrue(service.isAlive(), kw.text("run.err"));
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> state().equals("in sync"));

            // the endpoint goes down: every connection refused
            proxy.down();
            Files.writeString(tmp.resolve("src/docs/b.txt"), "written while the endpoint is down");
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> Files.exists(tmp.resolve("backup/src/docs/b.txt")));
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> state().equals("remote unavailable"));
            // local backups go on while it is unavailable, and it is tried again
            Files.writeString(tmp.resolve("src/c.txt"), "and more while it is down");
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> Files.exists(tmp.resolve("backup/src/c.txt")));
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> replication().map(ReplicationStatus::failuresInARow).orElse(0) >= 3);
            JsonNode r = replicationShown();
            assertEquals("remote unavailable", r.path("state").asText(), r.toString());
            assertTrue(r.hasNonNull("unavailable_since"), r.toString());
            assertTrue(r.path("last_error").asText().startsWith("s3:http://127.0.0.1:" + proxy.port() + "/backups/" + prefix + ": "), r.toString());
            assertTrue(r.path("pending_changes").asLong() >= 2, r.toString());
            assertEquals(1, objects(prefix, "snapshots"));
            assertEquals(0, kw.run("status", "status", "-c", config.toString()), kw.text("status.err"));
            String status = kw.text("status.out");
            assertTrue(status.contains(": REMOTE UNAVAILABLE since ") && status.contains("  ERROR:      "), status);
            assertTrue(proxy.count("refused") > 0);
            String log = kw.text("logs/keepwatch.log");
            assertEquals(1, lines(log, "WARN  [keepwatch-replicate] Replication to "), "one WARN however many tries: " + log);
            assertEquals(1, lines(log, "remote unavailable: "), log);
            assertEquals(0, lines(log, "ERROR [keepwatch-replicate]"), log);
            assertTrue(service.isAlive());

            // back: it catches up by itself
            proxy.up();
            await().atMost(DEADLINE).pollInterval(POLL).until(() -> state().equals("in sync") && replication().orElseThrow().pendingChanges() == 0);
            assertTrue(objects(prefix, "snapshots") >= 2);
            log = kw.text("logs/keepwatch.log");
            assertEquals(1, lines(log, "the remote is available again (unavailable since "), log);
            assertEquals(1, lines(log, "remote unavailable: "), log);
            stop(service);
        }
        checkAndRestoreOnANewMachine(prefix);
    }

    @Test
    void aServiceKilledInTheMiddleOfAnUploadCompletesThePushAfterItsRestart() throws Exception {
        String prefix = "killed";
        Random random = new Random(16);
        byte[] block = new byte[1 << 20];
        for (int f = 0; f < 3; f++) {
            try (OutputStream out = Files.newOutputStream(tmp.resolve("src/big-" + f + ".bin"))) {
                for (int i = 0; i < 9; i++) {
                    random.nextBytes(block);
                    out.write(block);
                }
            }
        }
        for (int i = 0; i < 40; i++) {
            Files.writeString(tmp.resolve("src/docs/note-" + i + ".txt"), "note " + i);
        }
        // slow uploads (about 9 s for the 27 MiB: a 16 MiB pack and the rest, each in 5 MiB parts), so the kill finds
        // the first pack up and the next on its way
        config = writeConfig(tmp, server.url("backups/" + prefix), ", 'bandwidth_limit': 3000000, 'parallel_uploads': 2");
        assertEquals(0, kw.run("init", "init", "-c", config.toString()), kw.text("init.err"));
        Process first = kw.start("run1", "run", "-c", config.toString());
        assertTrue(kw.killWhen(first, () -> objects(prefix, "data") >= 1), "the service ended before it could be killed: " + kw.text("run1.err"));
        assertEquals(0, objects(prefix, "snapshots"), "killed in the middle of the push: no snapshot yet");

        Process second = kw.start("run2", "run", "-c", config.toString());
        await().atMost(DEADLINE).pollInterval(POLL).until(() -> objects(prefix, "snapshots") == 1 || !second.isAlive());
        assertTrue(second.isAlive(), kw.text("run2.err"));
        await().atMost(DEADLINE).pollInterval(POLL).until(() -> state().equals("in sync"));
                stop(second);
        assertEquals(1, objects(prefix, "snapshots"));
        String log = kw.text("logs/keepwatch.log");
        assertTrue(log.contains("left by an interrupted push"), "the restarted push used what the killed one uploaded: " + log);
                checkAndRestoreOnANewMachine(prefix);
    }
}
