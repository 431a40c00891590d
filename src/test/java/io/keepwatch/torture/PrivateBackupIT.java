package io.keepwatch.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who can read the backup, for real: the packaged jar runs as one non-root user (its files are theirs) under a
 * umask of 022, and a second non-root user tries to read what it wrote. As root nothing could be refused, so both
 * are uids no account uses, switched to with {@code setpriv}. Needs root on Linux (CI runs as root); skipped elsewhere.
 */
class PrivateBackupIT {
    /** The user keepwatch runs as, and owns the source. */
    private static final int OWNER = 64123;
    /** Another local user. */
    private static final int OTHER = 64124;

    @TempDir
    Path tmp;
    private Path home;
    private Path src;
    private Path backup;
    private Path logs;
    private Path config;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue(System.getProperty("os.name").equals("Linux") && "root".equals(System.getProperty("user.name")),
                "needs root on Linux (setpriv); CI runs as root");
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        home = tmp.resolve("home");
        src = home.resolve("src");
        backup = home.resolve("backup");
        logs = home.resolve("logs");
        config = home.resolve("config.json");
        write("public.txt", "anyone may read this", "rw-r--r--");
        write("secret.txt", "only the owner", "rw-------");
        write("private/inside.txt", "readable, in a folder only the owner enters", "rw-r--r--");
        Files.setPosixFilePermissions(src.resolve("private"), PosixFilePermissions.fromString("rwx------"));
        Files.writeString(config, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        ok(List.of("chown", "-R", OWNER + ":" + OWNER, home.toString()));
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void anotherUserCannotReadAPrivateFilesCopyTheStateOrTheLogs() throws Exception {
        assertEquals(0, keepwatch("once").exit(), "the first backup");

        // What keepwatch made: the backup root and the log folder owner-only, state and log 0600, whatever the umask.
        assertEquals("rwx------", mode(backup));
        assertEquals("rwx------", mode(logs));
        assertEquals("rw-------", mode(backup.resolve("state.json")));
        assertEquals("rw-------", mode(logs.resolve("keepwatch.log")));
        assertEquals("rwx------", mode(backup.resolve(".keepwatch")));
        // Every folder keepwatch makes inside its own: SQLite's native library folder too (the history's).
        List<Path> folders;
        try (var inside = Files.walk(backup.resolve(".keepwatch"))) {
            folders = inside.filter(Files::isDirectory).toList();
        }
        for (Path d : folders) {
            assertEquals("rwx------", mode(d), d.toString());
        }
        // The copies: each with its source's mode, the private folder as private as its source.
        assertEquals("rw-------", mode(backup.resolve("src/secret.txt")));
        assertEquals("rw-r--r--", mode(backup.resolve("src/public.txt")));
        assertEquals("rwx------", mode(backup.resolve("src/private")));
        assertEquals(OWNER, (int) Files.getAttribute(backup.resolve("src/secret.txt"), "unix:uid"), "written by the owner");
        assertTrue(otherReads(backup.resolve("src/public.txt")).exit() != 0, "nobody else gets into a backup root keepwatch made");

        // The owner opens the backup root and the log folder to others (say, to share the backup), then backs up a change.
        ok(List.of("chmod", "755", backup.toString(), logs.toString()));
        write("public.txt", "anyone may read this, edited", "rw-r--r--");
        ok(List.of("chown", OWNER + ":" + OWNER, src.resolve("public.txt").toString()));
        assertEquals(0, keepwatch("once").exit(), "the second backup");

        Result control = otherReads(backup.resolve("src/public.txt"));
        assertEquals(0, control.exit(), "the other user can read what the owner shares: " + control);
        assertEquals("anyone may read this, edited", control.out());
        for (Path secret : List.of(backup.resolve("src/secret.txt"), backup.resolve("src/private/inside.txt"),
                backup.resolve("state.json"), backup.resolve(".keepwatch/lock"), logs.resolve("keepwatch.log"))) {
            Result r = otherReads(secret);
            assertNotEquals(0, r.exit(), secret + " was readable by another user: " + r);
            assertTrue(r.err().contains("Permission denied"), r.toString());
        }
        assertEquals("rwx------", mode(logs), "a log folder holding only keepwatch's logs is made owner-only again");
        assertEquals("rwx------", mode(backup.resolve("src/private")));
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private record Result(int exit, String out, String err) {
    }

    private void write(String rel, String content, String mode) throws IOException {
        Path p = src.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static List<String> as(int uid, List<String> cmd) {
        // umask 022, as in a login shell: without keepwatch's own modes, what it makes would be readable by all.
        List<String> out = new ArrayList<>(List.of("sh", "-c", "umask 022 && exec \"$@\"", "sh",
                "setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
        out.addAll(cmd);
        return out;
    }

    private Result keepwatch(String command) throws Exception {
        Path jar = Paths.get("target", "keepwatch.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run `mvn package` (or `mvn verify`) first");
        return run(as(OWNER, List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar", jar.toString(), command, "-c", config.toString())));
    }

    private Result otherReads(Path file) throws Exception {
        return run(as(OTHER, List.of("cat", file.toString())));
    }

    private void ok(List<String> cmd) throws Exception {
        Result r = run(cmd);
        assertEquals(0, r.exit(), cmd + ": " + r);
    }

    private Result run(List<String> cmd) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
