package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Odd names in the backup root, where keepwatch reads a number from a name: the journal's batches
 * ({@code .keepwatch/journal/<n>.json}) and the versions ({@code versions/<source>/<path>/v<n>.bak}) and deleted files
 * ({@code _deleted/<source>/<path>.~<n>~}). Each name is planted by hand, as an intruder, another program or a damaged
 * disk could; what the user sees is asserted: the exit code, the line naming the file, the file left as it was.
 * docs/security.md ("Names in the backup root") says what each does and why.
 */
class BackupRootNamesTest {
    /** A batch as keepwatch writes it (an empty one): the content is valid, only the name is wrong. */
    private static final String BATCH = "{\"seq\":1,\"at\":\"2026-01-01T00:00:00Z\",\"actions\":[]}";

    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {
    }

    private Run keepwatch(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path cfg() {
        return tmp.resolve("config.json");
    }

    private Path backup() {
        return tmp.resolve("backup");
    }

    private Run once() {
        return keepwatch("once", "-c", cfg().toString());
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("logs/keepwatch.log"), StandardCharsets.UTF_8);
    }

    /** A backup of {@code a.txt} with one old version, and of {@code gone.txt}, deleted. */
    private void backupWithHistory() throws IOException {
        Path src = tmp.resolve("source");
        Files.createDirectories(src);
        Files.writeString(cfg(), "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        Files.writeString(src.resolve("a.txt"), "one");
        Files.writeString(src.resolve("gone.txt"), "bye");
        assertEquals(0, once().code());
        Files.writeString(src.resolve("a.txt"), "two!");
        Files.delete(src.resolve("gone.txt"));
        Run r = once();
        assertEquals(0, r.code(), r.err());
    }

    /** Every file below {@code dir} and its bytes, as a comparable text; but the run history, which records the failed run. */
    private static String tree(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(p -> !p.getFileName().toString().startsWith("history.db")).sorted().toList()) {
                sb.append(dir.relativize(p)).append(Files.isRegularFile(p) ? " " + new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "/")
                        .append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * A {@code .json} name in the journal that is not a batch number as keepwatch writes it may be a batch whose name
     * was damaged: the start stops, exit 1, with the file and the reason named, and nothing in the backup changes (the
     * edit made meanwhile is not backed up, the planted file stays). Before, a valid batch under such a name was
     * applied and then clearing the journal threw a bare NumberFormatException.
     */
    @ParameterizedTest
    @ValueSource(strings = {"abc.json", "-1.json", "0.json", "007.json", "+7.json", "99999999999999999999.json",
        "9223372036854775807.json", ".json", "\u0663.json", "\uff17.json", "1.5.json", "1e3.json", " 1.json"})
    void aJournalNameThatIsNotABatchNumberStopsTheStartAndChangesNothing(String name) throws IOException {
        backupWithHistory();
        Path planted = backup().resolve(".keepwatch/journal").resolve(name);
        Files.writeString(planted, BATCH);
        Files.writeString(tmp.resolve("source/a.txt"), "three");
        String before = tree(backup());

        Run r = once();

        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("journal file " + planted + " is not named as keepwatch names its batches"), r.err());
        assertTrue(r.err().contains("move it out of " + planted.getParent()), r.err());
        assertFalse(r.err().contains("NumberFormatException"), r.err());
        assertEquals(before, tree(backup()), "nothing in the backup root changed");
        assertEquals("two!", Files.readString(backup().resolve("source/a.txt")));
        // rebuild-state refuses it the same way, before it changes anything.
        Run rebuild = keepwatch("rebuild-state", "-c", cfg().toString());
        assertEquals(1, rebuild.code(), rebuild.out() + rebuild.err());
        assertTrue(rebuild.err().contains("journal file " + planted), rebuild.err());
        assertEquals(before, tree(backup()), "nothing in the backup root changed");

        // Moved away as the message says, the next start backs the edit up.
        Files.move(planted, tmp.resolve("moved.json"));
        assertEquals(0, once().code());
        assertEquals("three", Files.readString(backup().resolve("source/a.txt")));
    }

    /**
     * Any other name cannot hold a batch (one exists only once renamed to {@code <n>.json}): the pass goes on, a WARN
     * line names the file, and the file is left as it is (before, every such file was deleted, a folder failed the start).
     */
    @ParameterizedTest
    @ValueSource(strings = {"notes.txt", "7.json~", "7.JSON", "7.json.bak", "abc.json.tmp", "-1.json.tmp", "007.json.tmp",
        "\u0663.json.tmp", ".tmp", "a folder"})
    void anyOtherNameInTheJournalIsLeftAloneWithAWarning(String name) throws IOException {
        backupWithHistory();
        Path planted = backup().resolve(".keepwatch/journal").resolve(name);
        if (name.equals("a folder")) {
            Files.createDirectories(planted.resolve("inside"));
        } else {
            Files.writeString(planted, BATCH);
        }
        Files.writeString(tmp.resolve("source/a.txt"), "three");

        Run r = once();

        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(log().contains("WARN  Not a journal file, left alone: " + planted) || log().contains("Not a journal file, left alone: " + planted),
                log());
        assertEquals("three", Files.readString(backup().resolve("source/a.txt")));
        if (name.equals("a folder")) {
            assertTrue(Files.isDirectory(planted.resolve("inside")));
        } else {
            assertEquals(BATCH, Files.readString(planted));
        }
        assertTrue(Files.isDirectory(backup().resolve(".keepwatch/journal")));
    }

    /**
     * {@code rebuild-state} reads version numbers from {@code v<n>.bak} names: any other spelling is left alone with a
     * WARN line naming the file (before, a number past 2^31 failed the rebuild with a bare NumberFormatException,
     * {@code v0.bak} became a version 0 that the next start quarantined, and {@code v01.bak} a second version 1);
     * the real version beside it is rebuilt and listed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"v0.bak", "v-1.bak", "v01.bak", "v+2.bak", "v2147483648.bak", "v99999999999999999999.bak", "v.bak",
        "v\u0663.bak", "v\uff17.bak", "vx.bak", "v1.5.bak", ".bak", "v 2.bak"})
    void aVersionNameThatIsNotAVersionNumberIsLeftAloneByRebuildState(String name) throws IOException {
        backupWithHistory();
        Path planted = backup().resolve("versions/source/a.txt").resolve(name);
        Files.writeString(planted, "planted");

        Run r = keepwatch("rebuild-state", "-c", cfg().toString());

        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(log().contains("Not a version file, left alone: " + planted), log());
        assertEquals("planted", Files.readString(planted));
        Run versions = keepwatch("versions", "-c", cfg().toString(), "source/a.txt", "--json");
        assertEquals(0, versions.code(), versions.err());
        assertEquals(1, count(versions.out(), "\"kind\" : \"version\""), versions.out());
        Run next = once();
        assertEquals(0, next.code(), "no record was quarantined: " + next.err());
        assertEquals("planted", Files.readString(planted));
    }

    /**
     * A deleted file's stored name ends in {@code .~<n>~} (n from 2) when the path was deleted before; rebuild-state
     * takes the suffix off to find the original path. A name that is only such a suffix, or one with a number
     * keepwatch does not write, keeps its whole name as the path (before, {@code .~2~} became an empty name, which
     * the next start quarantined): it is listed and restorable under that name, and left where it is.
     */
    @ParameterizedTest
    @ValueSource(strings = {".~2~", "gone.txt.~0~", "gone.txt.~1~", "gone.txt.~02~", "gone.txt.~\u0663~", "gone.txt.~-2~", "gone.txt.~~"})
    void aDeletedNameWithAnOddSuffixKeepsItsWholeName(String name) throws IOException {
        backupWithHistory();
        Path planted = backup().resolve("_deleted/source").resolve(name);
        Files.writeString(planted, "planted");

        Run r = keepwatch("rebuild-state", "-c", cfg().toString());

        assertEquals(0, r.code(), r.out() + r.err());
        Run versions = keepwatch("versions", "-c", cfg().toString(), "source/" + name, "--json");
        assertEquals(0, versions.code(), versions.err());
        assertTrue(versions.out().contains("\"deleted\""), versions.out());
        Run next = once();
        assertEquals(0, next.code(), "no record was quarantined: " + next.err());
        assertEquals("planted", Files.readString(planted));
    }

    /**
     * {@code .keepwatch/tmp/} is emptied at start of the files keepwatch stages there; keepwatch makes no folder in it, so
     * a folder there (even one named like a staging manifest) is not its own: left alone with a WARN line naming it, and
     * the pass goes on (before, one failed the start with a bare "keepwatch: PATH", or "keepwatch: Is a directory").
     */
    @ParameterizedTest
    @ValueSource(strings = {"a folder", "18c-2a.dirs", ".keepwatch-18c-2a-1.tmp", "\u0663"})
    void aFolderInKeepwatchsTempFolderIsLeftAloneWithAWarning(String name) throws IOException {
        backupWithHistory();
        Path planted = backup().resolve(".keepwatch/tmp").resolve(name);
        Files.createDirectories(planted);
        Files.writeString(planted.resolve("inside.txt"), "not keepwatch's");
        Files.writeString(tmp.resolve("source/a.txt"), "three");

        Run r = once();

        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(log().contains("Not a temp file of keepwatch's (a folder), left alone: " + planted), log());
        assertEquals("not keepwatch's", Files.readString(planted.resolve("inside.txt")));
        assertEquals("three", Files.readString(backup().resolve("source/a.txt")));
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
