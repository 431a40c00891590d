package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.S3Config;
import io.keepwatch.repo.BlobStore;
import io.keepwatch.s3.FaultProxy;
import io.keepwatch.s3.FaultProxy.Delay;
import io.keepwatch.s3.FaultProxy.Drop;
import io.keepwatch.s3.FaultProxy.Pass;
import io.keepwatch.s3.FaultProxy.Respond;
import io.keepwatch.s3.S3ProxyServer;
import io.keepwatch.s3.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push, check and restore through a TCP proxy that cuts connections mid-upload and mid-download, delays, and
 * answers 500 InternalError, 503 SlowDown and 429 SlowDown: every command completes, nothing is lost, no object is
 * corrupt ({@code check --read-data} clean, read past the proxy too), and there is exactly one snapshot.
 */
class S3FaultTest {
    @TempDir
    static Path shared;
    static S3ProxyServer server;
    static Path credentials;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        server = new S3ProxyServer(shared.resolve("s3"), "backups");
        credentials = S3ProxyServer.credentialsFile(shared.resolve("aws/credentials"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private Path config(Path dir, String url) throws Exception {
        Path c = dir.resolve("config.json");
        Files.writeString(c, "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + S3RepoCliTest.repositoryEntry(url, "./keys/repo.key", credentials, ", \"parallel_uploads\": 3") + "}");
        return c;
    }

    @Test
    void pushCheckAndRestoreGetThroughCutsDelaysAndErrorsWithNothingLostAndOneSnapshot() throws Exception {
        Path src = tmp.resolve("source");
        Files.createDirectories(src.resolve("deep/er"));
        Random r = new Random(16);
        for (int i = 0; i < 4; i++) {
            byte[] b = new byte[(i + 2) << 20]; // 2..5 MiB each, 14 MiB in all, plus the one over the part size
            r.nextBytes(b);
            Files.write(src.resolve("deep/file" + i + ".bin"), b);
        }
        byte[] big = new byte[(6 << 20) + 4321];
        r.nextBytes(big);
        Files.write(src.resolve("deep/er/big.bin"), big);
        for (int i = 0; i < 30; i++) {
            Files.writeString(src.resolve("note" + i + ".txt"), "note " + i);
        }
        String prefix = "backups/faults";
        // Each new connection takes the next entry; a passing connection is cut after 30-60 MiB (mid-request or mid-response).
        List<FaultProxy.Fault> plan = List.of(new Respond(503, "SlowDown"), new Pass(40 << 20), new Drop(700_000),
                new Pass(60 << 20), new Respond(500, "InternalError"), new Delay(1500, 30 << 20), new Respond(429, "SlowDown"),
                new Pass(50 << 20), new Drop(20_000), new Pass(45 << 20));
        try (FaultProxy proxy = new FaultProxy(server.port(), plan)) {
            Path cfg = config(tmp, "s3:http://127.0.0.1:" + proxy.port() + "/" + prefix);
            assertEquals(0, S3RepoCliTest.run("once", "-c", cfg.toString()).code());
            S3RepoCliTest.Run init = S3RepoCliTest.kw(cfg, "init");
            assertEquals(0, init.code(), init.err());
            S3RepoCliTest.Run push = S3RepoCliTest.kw(cfg, "push");
            assertEquals(0, push.code(), push.out() + push.err());
            assertTrue(push.out().startsWith("Snapshot "), push.out());
            S3RepoCliTest.Run again = S3RepoCliTest.kw(cfg, "push");
            assertEquals(0, again.code(), again.out() + again.err());
            assertTrue(again.out().startsWith("Nothing changed since snapshot "), again.out());
            S3RepoCliTest.Run check = S3RepoCliTest.kw(cfg, "check", "--read-data");
            assertEquals(0, check.code(), check.out() + check.err());
            S3RepoCliTest.Run restore = S3RepoCliTest.kw(cfg, "restore", "--repo", "--to", tmp.resolve("restored").toString());
            assertEquals(0, restore.code(), restore.out() + restore.err());
            assertEquals(S3RepoCliTest.tree(src), S3RepoCliTest.tree(tmp.resolve("restored/source")));

            for (String kind : List.of("503 SlowDown", "500 InternalError", "429 SlowDown", "Drop", "Delay")) {
                assertTrue(proxy.count(kind) > 0, kind + " never happened: the test proved nothing");
            }
            String log = Files.readString(tmp.resolve("logs/keepwatch.log"));
            // The 503 goes to whichever request opens the first connection: a HEAD answer has no body, so no error code.
            assertTrue(java.util.regex.Pattern.compile("failed \\(HTTP 503( SlowDown: injected by the test)?\\); attempt ")
                    .matcher(log).find(), "retries are logged");
        }
        // Read straight from the server: one snapshot, and every pack whole.
        S3Config d = S3Config.defaults();
        S3Config direct = new S3Config(d.region(), Optional.empty(), Optional.of(credentials), Optional.empty(), false, 2, 0,
                d.partSize(), Duration.ofSeconds(20), false, Optional.empty());
        try (BlobStore s = Stores.open(server.url(prefix), direct)) {
            assertEquals(1, s.list("snapshots/").size());
            assertEquals(List.of(), s.list("locks/"));
        }
        Path other = tmp.resolve("direct");
        Files.createDirectories(other.resolve("keys"));
        Files.copy(tmp.resolve("keys/repo.key"), other.resolve("keys/repo.key"));
        S3RepoCliTest.Run check = S3RepoCliTest.kw(config(other, server.url(prefix)), "check", "--read-data");
        assertEquals(0, check.code(), check.out() + check.err());
        assertTrue(check.out().startsWith("No damage: 1 snapshot(s), "), check.out());
    }
}
