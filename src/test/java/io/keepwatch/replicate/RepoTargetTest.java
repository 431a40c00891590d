package io.keepwatch.replicate;

import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.config.WatchConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the replicator looks at to know whether the backup changed since its last push: state.json and the state's
 * change log, to which a commit of a few changes appends while state.json stays as it was (on jimfs, with the engine).
 */
class RepoTargetTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private MutableClock clock;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        for (int i = 0; i < 20; i++) {
            write(src.resolve("f" + i + ".txt"), "file " + i);
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    @Test
    void aCommitThatOnlyAppendsToTheChangeLogIsAChangeOfTheStateOnDisk() throws Exception {
        WatchConfig w = WatchConfig.defaults();
        Config config = new Config(jimfs.getPath("/etc/config.json"), List.of(new SourceConfig("src", src)), backup,
                jimfs.getPath("/etc/logs"), HashAlgorithm.SHA256, RetentionConfig.defaults(), List.of(),
                new WatchConfig(w.debounce(), w.maxDelay(), w.stateFlush(), w.rescanInterval(), w.queueCapacity(), 25, Duration.ofHours(1)));
        RealFs fs = new RealFs(false, ms -> { });
        RepoTarget target = new RepoTarget(quiet -> {
            throw new IOException("not pushed in this test");
        }, "/mnt/usb/repo", null, "repo.key", Optional.empty(), new BackupLayout(backup), fs, clock, "host", Map.of("src", src.toString()));
        assertEquals(Optional.empty(), target.stateOnDisk(), "no state.json yet");

        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        Optional<String> first = target.stateOnDisk();
        assertTrue(first.isPresent());
        assertEquals(first, target.stateOnDisk(), "nothing changed, the same tag");
        byte[] whole = Files.readAllBytes(backup.resolve("state.json"));

        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("f3.txt"), "changed");
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        assertArrayEquals(whole, Files.readAllBytes(backup.resolve("state.json")), "the commit went to the change log only");
        Optional<String> second = target.stateOnDisk();
        assertNotEquals(first, second);

        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("f4.txt"), "changed too");
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        assertNotEquals(second, target.stateOnDisk(), "a second append to the same segment");
    }
}
