package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.daemon.StatusFile;
import io.keepwatch.events.SourceState;
import io.keepwatch.fs.RealFs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keepwatch status} against the config file on disk: it says whether the running service uses that very
 * file as it is now (the status file holds the file and the SHA-256 of the bytes the service loaded), and a file
 * broken while the service runs is a line of the status, not exit 78. The status file is written here as the
 * service writes it, for this (live) process; RunProcessIT checks that a real service writes it so.
 */
class StatusConfigTest {
    private static final String CONFIG = "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}";

    @TempDir
    Path tmp;
    private Path cfg;

    record Run(int code, String out, String err) {
    }

    private Run status(String... extra) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> args = new java.util.ArrayList<>(List.of("status", "-c", cfg.toString()));
        args.addAll(List.of(extra));
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(tmp.resolve("backup/.keepwatch"));
        cfg = tmp.resolve("config.json");
        Files.writeString(cfg, CONFIG);
    }

    /** A status file as a service running in this process, started with {@code config}, writes it. */
    private void serviceRunning(boolean running, Optional<ServiceStatus.ConfigInUse> config) throws IOException {
        Instant now = Instant.now();
        ServiceStatus s = new ServiceStatus(ProcessHandle.current().pid(), now.minusSeconds(60), now, running, "idle",
                List.of(new ServiceStatus.Source("src", tmp.resolve("src").toString(), SourceState.OK, 1, Optional.empty())),
                Optional.empty(), 0, 0, Map.of(), Optional.empty(), Optional.empty(), config);
        StatusFile.write(RealFs.forFileSystem(tmp.getFileSystem()), tmp.resolve("backup/.keepwatch/status.json"), s);
    }

    private void serviceLoaded(String content) throws IOException {
        Files.writeString(cfg, content);
        serviceRunning(true, Optional.of(new ServiceStatus.ConfigInUse(cfg.toString(), Optional.of(ConfigLoader.digestOf(cfg)))));
    }

    private static String configLine(Run r) {
        return r.out().lines().filter(l -> l.startsWith("Config:")).findFirst().orElse("(no Config: line in)\n" + r.out());
    }

    @Test
    void theSameFileAsTheServiceLoadedIsSaidSo() throws Exception {
        serviceLoaded(CONFIG);
        Run r = status();
        assertEquals(0, r.code(), r.err());
        assertEquals("Config:       " + cfg + " (as the service loaded it)", configLine(r));
        assertTrue(r.out().startsWith("keepwatch is running (PID " + ProcessHandle.current().pid() + ")"), r.out());
        // The status file holds what the service loaded, for --json readers too.
        var json = new ObjectMapper().readTree(status("--json").out());
        assertEquals(cfg.toString(), json.get("config_file").asText());
        assertEquals(ConfigLoader.digestOf(cfg), json.get("config_sha256").asText());
        assertEquals("", status("--json").err());
    }

    @Test
    void anEditedFileIsSaidToDifferFromWhatTheServiceRunsWith() throws Exception {
        serviceLoaded(CONFIG);
        Files.writeString(cfg, CONFIG.replace("}", ", \"retention\": {\"max_versions_per_file\": 3}}"));
        Run r = status();
        assertEquals(0, r.code(), r.err());
        assertEquals("Config:       " + cfg + " has CHANGED since the service loaded it; the service runs with the old config "
                + "until it is restarted", configLine(r));
        Run json = status("--json");
        assertEquals(0, json.code());
        new ObjectMapper().readTree(json.out()); // still the status file, as it is
        assertTrue(json.err().contains("has CHANGED since the service loaded it"), json.err());
    }

    @Test
    void aFileBrokenWhileTheServiceRunsIsALineNotExit78() throws Exception {
        serviceLoaded(CONFIG);
        Files.writeString(cfg, CONFIG.replace("}", ", \"watch\": {\"queue_capacity\": 4294967296}}"));
        Run r = status();
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals("Config:       " + cfg + " is BROKEN now, so a restart would fail; the service still runs with the config "
                + "it loaded at its start. " + cfg + ": watch.queue_capacity = 4294967296 is out of range (16 to 10000000)",
                configLine(r));
        assertTrue(r.out().contains("OK  src"), r.out());
        // Even a JSON syntax error, as long as backup_root can be read before it.
        Files.writeString(cfg, CONFIG.replace("}", ",, }"));
        r = status();
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(configLine(r).contains("is BROKEN now") && configLine(r).contains("invalid JSON at line 1"), configLine(r));
        Run json = status("--json");
        assertEquals(0, json.code());
        assertTrue(json.err().contains("is BROKEN now"), json.err());
    }

    @Test
    void aBrokenFileWithoutARunningServiceIsStillExit78() throws Exception {
        Files.writeString(cfg, CONFIG.replace("}", ", \"watch\": {\"queue_capacity\": 0}}"));
        Run noStatusFile = status();
        assertEquals(78, noStatusFile.code(), noStatusFile.out());
        assertEquals("keepwatch: " + cfg + ": watch.queue_capacity = 0 is out of range (16 to 10000000)\n", noStatusFile.err());
        serviceRunning(false, Optional.of(new ServiceStatus.ConfigInUse(cfg.toString(), Optional.of("0".repeat(64)))));
        Run stopped = status();
        assertEquals(78, stopped.code(), stopped.out());
        // backup_root cannot be read at all: nothing to look for either.
        Files.writeString(cfg, "{\"sources\": [\"./src\"],, \"backup_root\": \"./backup\"}");
        serviceLoaded(CONFIG);
        Files.writeString(cfg, "{\"sources\": [\"./src\"],, \"backup_root\": \"./backup\"}");
        assertEquals(78, status().code());
    }

    @Test
    void aServiceStartedWithAnotherFileOrWithoutSayingIsSaidSo() throws Exception {
        Path other = tmp.resolve("other.json");
        Files.writeString(other, CONFIG);
        serviceRunning(true, Optional.of(new ServiceStatus.ConfigInUse(other.toString(), Optional.of(ConfigLoader.digestOf(other)))));
        assertEquals("Config:       the service runs with " + other + ", not " + cfg, configLine(status()));
        serviceRunning(true, Optional.empty());
        Run r = status();
        assertEquals(0, r.code());
        assertEquals("Config:       the service does not say which config it runs with (started by an older keepwatch)",
                configLine(r));
    }
}
