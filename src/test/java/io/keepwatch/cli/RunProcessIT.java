package io.keepwatch.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(tmp.resolve("src"));
        Files.writeString(tmp.resolve("src/a.txt"), "hello");
        config = tmp.resolve("config.json");
        Files.writeString(config, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"watch\": {\"debounce_ms\": 150, \"max_delay_ms\": 1000, \"state_flush_ms\": 200}}");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static Path jar() {
        Path jar = Paths.get("target", "keepwatch.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run `mvn package` (or `mvn verify`) first");
        return jar;
    }

    private Process start(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile())
                .redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile())
                .start();
        started.add(p);
        return p;
    }

    private int runToEnd(String name, String... args) throws Exception {
        Process p = start(name, args);
        assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), name + " did not end");
        return p.exitValue();
    }

    private String text(String file) throws IOException {
        Path p = tmp.resolve(file);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    private Process startService() throws IOException {
        Process p = start("run", "run", "-c", config.toString());
        await().atMost(DEADLINE).until(() -> text("logs/keepwatch.log").contains("Ready") || !p.isAlive());
        assertTrue(p.isAlive(), "the service died: " + text("run.err"));
        assertTrue(text("logs/keepwatch.log").contains("WATCH start: src (1 folders)"), text("logs/keepwatch.log"));
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
        assertEquals(ExitCodes.SIGTERM, service.exitValue(), text("run.err"));
        assertTrue(text("logs/keepwatch.log").contains("Stopped: state saved, lock released"), text("logs/keepwatch.log"));
        if (Files.exists(copy)) {
            assertEquals(size, Files.size(copy), "a final path holds a complete copy or nothing");
        }

        assertEquals(ExitCodes.STATUS_NOT_RUNNING, runToEnd("status", "status", "-c", config.toString()));
        assertTrue(text("status.out").contains("NOT RUNNING"), text("status.out"));

        assertEquals(ExitCodes.OK, runToEnd("once", "once", "-c", config.toString()), text("once.err"));
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
        assertEquals(ExitCodes.FAILURE, runToEnd("second", "run", "-c", config.toString()));
        assertTrue(text("second.err").contains("another keepwatch process (PID " + service.pid() + ")"), text("second.err"));

        assertEquals(ExitCodes.OK, runToEnd("status", "status", "-c", config.toString()), text("status.err"));
        String status = text("status.out");
        assertTrue(status.contains("keepwatch is running (PID " + service.pid() + ")"), status);
        assertTrue(status.contains("OK  src"), status);
        assertTrue(status.contains("Config:       " + config + " (as the service loaded it)"), status);

        assertEquals(ExitCodes.OK, runToEnd("json", "status", "--json", "-c", config.toString()));
        assertTrue(text("json.out").contains("\"state\" : \"OK\""), text("json.out"));
        assertTrue(text("json.out").contains("\"pid\" : " + service.pid()), text("json.out"));
        assertTrue(text("json.out").contains("\"config_sha256\" : \"" + io.keepwatch.config.ConfigLoader.digestOf(config) + "\""),
                text("json.out"));

        // The config file broken while the service runs: status says so, and still reports the service (exit 0).
        String good = Files.readString(config);
        Files.writeString(config, good.replace("\"debounce_ms\": 150", "\"debounce_ms\": 1.5"));
        assertEquals(ExitCodes.OK, runToEnd("broken", "status", "-c", config.toString()), text("broken.err"));
        assertTrue(text("broken.out").contains("keepwatch is running (PID " + service.pid() + ")"), text("broken.out"));
        assertTrue(text("broken.out").contains("is BROKEN now, so a restart would fail")
                && text("broken.out").contains("watch.debounce_ms = 1.5 is not a whole number (10 to 600000)"), text("broken.out"));
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
        assertEquals(ExitCodes.STATUS_NOT_RUNNING, runToEnd("status", "status", "-c", config.toString()));
        assertTrue(text("status.out").contains("no status file"), text("status.out"));
        Files.writeString(config, "{\"sources\": [\"./nope\"], \"backup_root\": \"./backup\"}");
        assertEquals(ExitCodes.CONFIG, runToEnd("bad", "run", "-c", config.toString()));
        assertTrue(text("bad.err").contains("does not exist"), text("bad.err"));
    }
}
