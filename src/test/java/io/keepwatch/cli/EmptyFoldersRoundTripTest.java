package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Empty folders, with their mode, through the commands a user runs on real folders: backed up into the mirror,
 * restored latest and {@code --at} a time before they existed, while they did, and after one got a file and was
 * emptied again; verify and rebuild-state take the empty mirror folders as they are.
 */
class EmptyFoldersRoundTripTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    private static boolean isEmptyFolder(Path p) throws Exception {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        }
    }

    private Path restore(String name, String... at) {
        Path to = tmp.resolve(name);
        String[] args = at.length == 0 ? new String[] {"restore", "-c", tmp.resolve("config.json").toString(), "--to", to.toString()}
                : new String[] {"restore", "-c", tmp.resolve("config.json").toString(), "--at", at[0], "--to", to.toString()};
        Run r = run(args);
        assertEquals(0, r.code(), r.out() + r.err());
        return to.resolve("source");
    }

    @Test
    void emptyFoldersAreBackedUpAndRestoredWithTheirMode() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("source"));
        Files.writeString(tmp.resolve("config.json"),
                "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        String c = tmp.resolve("config.json").toString();
        Files.writeString(src.resolve("keep.txt"), "stays");
        assertEquals(0, run("once", "-c", c).code());
        Instant before = Instant.now();

        Path empty = Files.createDirectory(src.resolve("empty"));
        Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rwxr-x---"));
        Path nested = Files.createDirectories(src.resolve("outer/inner"));
        Files.setPosixFilePermissions(nested, PosixFilePermissions.fromString("rwx--x---"));
        Run second = run("once", "-c", c);
        assertEquals(0, second.code(), second.err());
        Path mirror = tmp.resolve("backup/source");
        assertTrue(isEmptyFolder(mirror.resolve("empty")));
        assertEquals("rwxr-x---", mode(mirror.resolve("empty")));
        assertTrue(isEmptyFolder(mirror.resolve("outer/inner")));
        assertEquals("rwx--x---", mode(mirror.resolve("outer/inner")));
        Instant whileEmpty = Instant.now();

        // A pass with nothing changed keeps them (and the no-change check notices a new empty folder).
        assertEquals(0, run("once", "-c", c).code());
        assertTrue(isEmptyFolder(mirror.resolve("empty")));
        Files.createDirectory(src.resolve("later"));
        assertEquals(0, run("once", "-c", c).code());
        assertTrue(isEmptyFolder(mirror.resolve("later")));

        // "empty" gets a file: no longer an empty folder, its mirror folder holds the copy.
        Files.writeString(empty.resolve("f.txt"), "x");
        assertEquals(0, run("once", "-c", c).code());
        assertEquals("x", Files.readString(mirror.resolve("empty/f.txt")));
        Instant whileFilled = Instant.now();
        Path filled = restore("filled");
        assertEquals("x", Files.readString(filled.resolve("empty/f.txt")));

        // Emptied again, and "later" removed: its mirror folder goes too.
        Files.delete(empty.resolve("f.txt"));
        Files.delete(src.resolve("later"));
        assertEquals(0, run("once", "-c", c).code());
        assertTrue(isEmptyFolder(mirror.resolve("empty")));
        assertFalse(Files.exists(mirror.resolve("later"), LinkOption.NOFOLLOW_LINKS));

        Path latest = restore("latest");
        assertTrue(isEmptyFolder(latest.resolve("empty")));
        assertEquals("rwxr-x---", mode(latest.resolve("empty")));
        assertTrue(isEmptyFolder(latest.resolve("outer/inner")));
        assertEquals("rwx--x---", mode(latest.resolve("outer/inner")));
        assertFalse(Files.exists(latest.resolve("later"), LinkOption.NOFOLLOW_LINKS));
        assertEquals("stays", Files.readString(latest.resolve("keep.txt")));

        Path atBefore = restore("at-before", before.toString());
        assertEquals("stays", Files.readString(atBefore.resolve("keep.txt")));
        assertFalse(Files.exists(atBefore.resolve("empty"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(atBefore.resolve("outer"), LinkOption.NOFOLLOW_LINKS));

        Path atEmpty = restore("at-empty", whileEmpty.toString());
        assertTrue(isEmptyFolder(atEmpty.resolve("empty")));
        assertEquals("rwxr-x---", mode(atEmpty.resolve("empty")));
        assertTrue(isEmptyFolder(atEmpty.resolve("outer/inner")));
        assertEquals("rwx--x---", mode(atEmpty.resolve("outer/inner")));

        Path atFilled = restore("at-filled", whileFilled.toString());
        assertEquals("x", Files.readString(atFilled.resolve("empty/f.txt")));
        assertTrue(isEmptyFolder(atFilled.resolve("later")));

        Run verify = run("verify", "-c", c);
        assertEquals(0, verify.code(), verify.out() + verify.err());
        Run rebuilt = run("rebuild-state", "-c", c);
        assertEquals(0, rebuilt.code(), rebuilt.out() + rebuilt.err());
        assertEquals(0, run("verify", "-c", c).code());
        Path afterRebuild = restore("after-rebuild");
        assertTrue(isEmptyFolder(afterRebuild.resolve("outer/inner")));
        assertEquals("rwx--x---", mode(afterRebuild.resolve("outer/inner")));
    }
}
