package io.keepwatch.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.KeepwatchProcesses;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keepwatch run} as a separate process from the fat jar (built by {@code package}; maven-failsafe runs
 * this in {@code verify}).
 */
class RunProcessIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);

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
                + "\"watch\": {\"debounce_ms\": 150, \"max_delay_ms\": 1000, \"state_flush_ms\": 200}}");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        kw.close();
    }

    private Process startService() throws IOException {
        Process p = kw.start("run", "run", "-c", config.toString());
        await().atMost(DEADLINE).until(() -> kw.text("logs/keepwatch.log").contains("Ready") || !p.isAlive());
        assertTrue(p.isAlive(), "the service died: " + kw.text("run.err"));
        assertTrue(kw.text("logs/keepwatch.log").contains("WATCH start: src (1 folders)"), kw.text("logs/keepwatch.log"));
        return p;
    }

    @Test
    void sigtermDuringALargeCopyLeavesNoPartialFileAndSavesTheState() throws Exception {
        Process service = startService();
        Path big = tmp.resolve("big.bin");
        byte[] block = new byte[1 << 20];
        new Random(42).nextBytes(block);
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < 400; i++) {
                block[0] = (byte) i;
                out.write(block);
            }
        }
        long size = Files.size(big);
        Files.move(big, tmp.resolve("src/big.bin"));
        Path staging = tmp.resolve("backup/.keepwatch/tmp");
        Path copy = tmp.resolve("backup/src/big.bin");
        await().atMost(DEADLINE).pollInterval(Duration.ofMillis(20)).until(() -> Files.exists(copy) || nonEmpty(staging));

        service.destroy(); // SIGTERM
        assertTrue(service.waitFor(10, TimeUnit.SECONDS), "the service did not stop within 10 s after SIGTERM");
        assertEquals(ExitCodes.SIGTERM, service.exitValue(), kw.text("run.err"));
        assertTrue(kw.text("logs/keepwatch.log").contains("Stopped: state saved, lock released"), kw.text("logs/keepwatch.log"));
        if (Files.exists(copy)) {
            assertEquals(size, Files.size(copy), "a final path holds a complete copy or nothing");
        }

        assertEquals(ExitCodes.STATUS_NOT_RUNNING, kw.run("status", "status", "-c", config.toString()));
        assertTrue(kw.text("status.out").contains("NOT RUNNING"), kw.text("status.out"));

        assertEquals(ExitCodes.OK, kw.run("once", "once", "-c", config.toString()), kw.text("once.err"));
        assertEquals(size, Files.size(copy));
        assertEquals(-1L, Files.mismatch(copy, tmp.resolve("src/big.bin")));
        assertEquals("hello", Files.readString(tmp.resolve("backup/src/a.txt")));
    }

    private static boolean nonEmpty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isPresent();
        }
    }

    @Test
    void aSecondProcessIsRefusedAndStatusTellsWhatRuns() throws Exception {
        Process service = startService();
        assertEquals(ExitCodes.FAILURE, kw.run("second", "run", "-c", config.toString()));
        assertTrue(kw.text("second.err").contains("another keepwatch process (PID " + service.pid() + ")"), kw.text("second.err"));

        assertEquals(ExitCodes.OK, kw.run("status", "status", "-c", config.toString()), kw.text("status.err"));
        String status = kw.text("status.out");
        assertTrue(status.contains("keepwatch is running (PID " + service.pid() + ")"), status);
        assertTrue(status.contains("OK  src"), status);
        assertTrue(status.contains("Config:       " + config + " (as the service loaded it)"), status);

        assertEquals(ExitCodes.OK, kw.run("json", "status", "--json", "-c", config.toString()));
        assertTrue(kw.text("json.out").contains("\"state\" : \"OK\""), kw.text("json.out"));
        assertTrue(kw.text("json.out").contains("\"pid\" : " + service.pid()), kw.text("json.out"));
        assertTrue(kw.text("json.out").contains("\"config_sha256\" : \"" + io.keepwatch.config.ConfigLoader.digestOf(config) + "\""),
                kw.text("json.out"));

        // The config file broken while the service runs: status says so, and still reports the service (exit 0).
        String good = Files.readString(config);
        Files.writeString(config, good.replace("\"debounce_ms\": 150", "\"debounce_ms\": 1.5"));
        assertEquals(ExitCodes.OK, kw.run("broken", "status", "-c", config.toString()), kw.text("broken.err"));
        assertTrue(kw.text("broken.out").contains("keepwatch is running (PID " + service.pid() + ")"), kw.text("broken.out"));
        assertTrue(kw.text("broken.out").contains("is BROKEN now, so a restart would fail")
                && kw.text("broken.out").contains("watch.debounce_ms = 1.5 is not a whole number (10 to 600000)"), kw.text("broken.out"));
        Files.writeString(config, good);

        // The running service backs up a new file.
        Files.writeString(tmp.resolve("src/b.txt"), "bee");
        await().atMost(DEADLINE).until(() -> Files.exists(tmp.resolve("backup/src/b.txt")));
        assertEquals("bee", Files.readString(tmp.resolve("backup/src/b.txt")));

        service.destroy();
        assertTrue(service.waitFor(10, TimeUnit.SECONDS));
        assertEquals(ExitCodes.SIGTERM, service.exitValue());
    }

    @Test
    void statusWithoutAServiceAndRunWithABadConfig() throws Exception {
        assertEquals(ExitCodes.STATUS_NOT_RUNNING, kw.run("status", "status", "-c", config.toString()));
        assertTrue(kw.text("status.out").contains("no status file"), kw.text("status.out"));
        Files.writeString(config, "{\"sources\": [\"./nope\"], \"backup_root\": \"./backup\"}");
        assertEquals(ExitCodes.CONFIG, kw.run("bad", "run", "-c", config.toString()));
        assertTrue(kw.text("bad.err").contains("does not exist"), kw.text("bad.err"));
    }
}
