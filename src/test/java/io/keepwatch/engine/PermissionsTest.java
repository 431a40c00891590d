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
                "index.tmp", "rw-------", "guard.json.tmp", "rw-------", "retention-policy.tmp", "rw-------"), kinds,
                created.toString());

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
    void aBackupFolderIsOwnerOnlyWhileFilledThenTakesItsSourceFoldersMode() throws Exception {
        write(src.resolve("private/a.txt"), "a");
        write(src.resolve("private/deep/b.txt"), "b");
        write(src.resolve("shared/c.txt"), "c");
        write(src.resolve("readonly/d.txt"), "d");
        chmod(src, "rwxr-x--x");
        chmod(src.resolve("private"), "rwx------");
        chmod(src.resolve("private/deep"), "rwxr-xr-x");
        chmod(src.resolve("shared"), "rwxr-x---");
        chmod(src.resolve("readonly"), "r-xr-xr-x");
        pass();

        for (ModeRecordingFs.Created c : fs.created()) {
            if (c.file().getFileName().toString().startsWith(".keepwatch-")) {
                assertEquals("rwx------", c.folderMode(), "the folder " + c.file().getParent() + " while it was filled");
            }
        }
        assertEquals("rwxr-x--x", mode(backup.resolve("src")));
        assertEquals("rwx------", mode(backup.resolve("src/private")));
        assertEquals("rwxr-xr-x", mode(backup.resolve("src/private/deep")));
        assertEquals("rwxr-x---", mode(backup.resolve("src/shared")));
        assertEquals("rwxr-xr-x", mode(backup.resolve("src/readonly")), "keepwatch keeps writing into a copy of a read-only folder");

        // Versions: the same modes, a file's own folder of versions that of its folder; the area that of the backup root.
        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("private/a.txt"), "a2");
        write(src.resolve("shared/c.txt"), "c2");
        chmod(src.resolve("shared"), "rwxr-xr-x"); // a source folder opened up: the backup follows with the change
        pass();
        assertEquals("rwx------", mode(backup.resolve("versions")));
        assertEquals("rwxr-x--x", mode(backup.resolve("versions/src")));
        assertEquals("rwx------", mode(backup.resolve("versions/src/private")));
        assertEquals("rwx------", mode(backup.resolve("versions/src/private/a.txt")));
        assertEquals("rwxr-xr-x", mode(backup.resolve("versions/src/shared/c.txt")));
        assertEquals("rwxr-xr-x", mode(backup.resolve("src/shared")));

        // A folder deleted from the source: its files go to _deleted/ in a folder that stays owner-only.
        Files.delete(src.resolve("private/deep/b.txt"));
        Files.delete(src.resolve("private/deep"));
        pass();
        assertEquals("b", TestFs.read(backup.resolve("_deleted/src/private/deep/b.txt")));
        assertEquals("rwx------", mode(backup.resolve("_deleted/src/private")));
        assertEquals("rwx------", mode(backup.resolve("_deleted/src/private/deep")));
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
