package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.ModeRecordingFs;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the backup holds is as private as its source: every file keepwatch creates is owner-only from its first
 * byte (observed at its creation through the Fs seam), a copy takes its source's mode only when complete, and
 * keepwatch's own files and folders stay owner-only. jimfs makes new files {@code rw-r--r--} unless told otherwise,
 * as a umask of 022 would.
 */
class PermissionsTest {
    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    /** Records the mode of every file keepwatch creates, and of its folder, at the moment it is made. */
    private ModeRecordingFs modes;

    @BeforeEach
    void recordModes() {
        modes = new ModeRecordingFs(kw.fs());
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static void chmod(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    @Test
    void everyFileIsOwnerOnlyFromItsCreationAndACopyTakesItsSourcesModeWhenComplete() throws Exception {
        kw.write("secret.txt", "only mine");
        chmod(kw.src().resolve("secret.txt"), "rw-------");
        kw.write("public.txt", "anyone");
        chmod(kw.src().resolve("public.txt"), "rw-r--r--");
        kw.write("script.sh", "#!/bin/sh");
        chmod(kw.src().resolve("script.sh"), "rwxr-x---");
        kw.passComplete(modes);
        kw.clock().advance(Duration.ofMinutes(1));
        kw.write("secret.txt", "only mine, changed");
        kw.passComplete(modes);

        List<ModeRecordingFs.Created> created = modes.created();
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

        assertEquals("rw-------", mode(kw.backup().resolve("src/secret.txt")));
        assertEquals("rw-------", mode(kw.backup().resolve("versions/src/secret.txt/v1.bak")));
        assertEquals("rw-r--r--", mode(kw.backup().resolve("src/public.txt")));
        assertEquals("rwxr-x---", mode(kw.backup().resolve("src/script.sh")));
        assertEquals("rwx------", mode(kw.backup()), "the backup root, made by keepwatch");
        for (String own : List.of(".keepwatch", ".keepwatch/tmp", ".keepwatch/journal")) {
            assertEquals("rwx------", mode(kw.backup().resolve(own)), own);
        }
        for (String own : List.of("state.json", ".keepwatch/lock", ".keepwatch/index")) {
            assertEquals("rw-------", mode(kw.backup().resolve(own)), own);
        }
    }

    @Test
    void aBackupFolderIsOwnerOnlyWhileFilledThenTakesItsSourceFoldersMode() throws Exception {
        kw.write("private/a.txt", "a");
        kw.write("private/deep/b.txt", "b");
        kw.write("shared/c.txt", "c");
        kw.write("readonly/d.txt", "d");
        chmod(kw.src(), "rwxr-x--x");
        chmod(kw.src().resolve("private"), "rwx------");
        chmod(kw.src().resolve("private/deep"), "rwxr-xr-x");
        chmod(kw.src().resolve("shared"), "rwxr-x---");
        chmod(kw.src().resolve("readonly"), "r-xr-xr-x");
        kw.passComplete(modes);

        for (ModeRecordingFs.Created c : modes.created()) {
            if (c.file().getFileName().toString().startsWith(".keepwatch-")) {
                assertEquals("rwx------", c.folderMode(), "the folder " + c.file().getParent() + " while it was filled");
            }
        }
        assertEquals("rwxr-x--x", mode(kw.backup().resolve("src")));
        assertEquals("rwx------", mode(kw.backup().resolve("src/private")));
        assertEquals("rwxr-xr-x", mode(kw.backup().resolve("src/private/deep")));
        assertEquals("rwxr-x---", mode(kw.backup().resolve("src/shared")));
        assertEquals("rwxr-xr-x", mode(kw.backup().resolve("src/readonly")), "keepwatch keeps writing into a copy of a read-only folder");

        // Versions: the same modes, a file's own folder of versions that of its folder; the area that of the backup root.
        kw.clock().advance(Duration.ofMinutes(1));
        kw.write("private/a.txt", "a2");
        kw.write("shared/c.txt", "c2");
        chmod(kw.src().resolve("shared"), "rwxr-xr-x"); // a source folder opened up: the backup follows with the change
        kw.passComplete(modes);
        assertEquals("rwx------", mode(kw.backup().resolve("versions")));
        assertEquals("rwxr-x--x", mode(kw.backup().resolve("versions/src")));
        assertEquals("rwx------", mode(kw.backup().resolve("versions/src/private")));
        assertEquals("rwx------", mode(kw.backup().resolve("versions/src/private/a.txt")));
        assertEquals("rwxr-xr-x", mode(kw.backup().resolve("versions/src/shared/c.txt")));
        assertEquals("rwxr-xr-x", mode(kw.backup().resolve("src/shared")));

        // A folder deleted from the source: its files go to _deleted/ in a folder that stays owner-only.
        Files.delete(kw.src().resolve("private/deep/b.txt"));
        Files.delete(kw.src().resolve("private/deep"));
        kw.passComplete(modes);
        assertEquals("b", TestFs.read(kw.backup().resolve("_deleted/src/private/deep/b.txt")));
        assertEquals("rwx------", mode(kw.backup().resolve("_deleted/src/private")));
        assertEquals("rwx------", mode(kw.backup().resolve("_deleted/src/private/deep")));
    }

    @Test
    void keepwatchsOwnFilesLeftOpenByAnEarlierVersionAreMadeOwnerOnly() throws Exception {
        kw.write("a.txt", "alpha");
        kw.passComplete(modes);
        chmod(kw.backup().resolve("state.json"), "rw-r--r--");
        chmod(kw.backup().resolve(".keepwatch"), "rwxr-xr-x");
        chmod(kw.backup().resolve(".keepwatch/lock"), "rw-r--r--");
        chmod(kw.backup(), "rwxr-xr-x");

        kw.passComplete(modes); // nothing changed: state.json is not written again

        assertEquals("rw-------", mode(kw.backup().resolve("state.json")));
        assertEquals("rwx------", mode(kw.backup().resolve(".keepwatch")));
        assertEquals("rw-------", mode(kw.backup().resolve(".keepwatch/lock")));
        assertEquals("rwxr-xr-x", mode(kw.backup()), "a backup root that exists keeps the mode its owner gave it");
    }
}
