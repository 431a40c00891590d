package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.ModeRecordingFs;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the backup holds is as private as its source: every file keepwatch creates is owner-only from its first
 * byte (observed at its creation through the Fs seam), a copy takes its source's mode only when complete, and
 * keepwatch's own files and folders stay owner-only. jimfs makes new files {@code rw-r--r--} unless told otherwise,
 * as a umask of 022 would.
 */
class PermissionsTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private MutableClock clock;
    private ModeRecordingFs fs;
    private Config config;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new ModeRecordingFs(new RealFs(false, ms -> { }));
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private void pass() throws Exception {
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static void chmod(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    @Test
    void everyFileIsOwnerOnlyFromItsCreationAndACopyTakesItsSourcesModeWhenComplete() throws Exception {
        write(src.resolve("secret.txt"), "only mine");
        chmod(src.resolve("secret.txt"), "rw-------");
        write(src.resolve("public.txt"), "anyone");
        chmod(src.resolve("public.txt"), "rw-r--r--");
        write(src.resolve("script.sh"), "#!/bin/sh");
        chmod(src.resolve("script.sh"), "rwxr-x---");
        pass();
        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("secret.txt"), "only mine, changed");
        pass();

        List<ModeRecordingFs.Created> created = fs.created();
        Map<String, String> kinds = new TreeMap<>();
        for (ModeRecordingFs.Created c : created) {
            String name = c.file().getFileName().toString();
            String kind = name.startsWith(".keepwatch-") ? "staged copy" : name.startsWith("state.json") ? "state.json"
                    : c.file().getParent().getFileName().toString().equals("journal") ? "journal" : name;
            kinds.merge(kind, c.mode(), (a, b) -> a.equals(b) ? a : a + " and " + b);
        }
        assertEquals(Map.of("staged copy", "rw-------", "state.json", "rw-------", "journal", "rw-------",
                "index.tmp", "rw-------"), kinds, created.toString());

        assertEquals("rw-------", mode(backup.resolve("src/secret.txt")));
        assertEquals("rw-------", mode(backup.resolve("versions/src/secret.txt/v1.bak")));
        assertEquals("rw-r--r--", mode(backup.resolve("src/public.txt")));
        assertEquals("rwxr-x---", mode(backup.resolve("src/script.sh")));
        assertEquals("rwx------", mode(backup), "the backup root, made by keepwatch");
        for (String own : List.of(".keepwatch", ".keepwatch/tmp", ".keepwatch/journal")) {
            assertEquals("rwx------", mode(backup.resolve(own)), own);
        }
        for (String own : List.of("state.json", ".keepwatch/lock", ".keepwatch/index")) {
            assertEquals("rw-------", mode(backup.resolve(own)), own);
        }
    }

    @Test
    void keepwatchsOwnFilesLeftOpenByAnEarlierVersionAreMadeOwnerOnly() throws Exception {
        write(src.resolve("a.txt"), "alpha");
        pass();
        chmod(backup.resolve("state.json"), "rw-r--r--");
        chmod(backup.resolve(".keepwatch"), "rwxr-xr-x");
        chmod(backup.resolve(".keepwatch/lock"), "rw-r--r--");
        chmod(backup, "rwxr-xr-x");

        pass(); // nothing changed: state.json is not written again

        assertEquals("rw-------", mode(backup.resolve("state.json")));
        assertEquals("rwx------", mode(backup.resolve(".keepwatch")));
        assertEquals("rw-------", mode(backup.resolve(".keepwatch/lock")));
        assertEquals("rwxr-xr-x", mode(backup), "a backup root that exists keeps the mode its owner gave it");
    }
}
