package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.ConfigLoader;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The user's view on real folders: commands, exit codes, the backup root's files and the log file's lines. */
class CliScenarioTest {
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

    private Path config(String extra) throws IOException {
        Files.createDirectories(tmp.resolve("source"));
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, ("{'sources': ['./source'], 'backup_root': './backup', 'log_dir': './logs'" + extra + "}").replace('\'', '"'));
        return cfg;
    }

    private void write(String rel, String content) throws IOException {
        Path p = tmp.resolve("source").resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    private String backup(String rel) throws IOException {
        return Files.readString(tmp.resolve("backup").resolve(rel), StandardCharsets.UTF_8);
    }

    private List<String> logLines() throws IOException {
        return Files.readAllLines(tmp.resolve("logs/keepwatch.log"), StandardCharsets.UTF_8);
    }

    private boolean logHas(String fragment) throws IOException {
        return logLines().stream().anyMatch(l -> l.contains(fragment));
    }

    @Test
    void theIssueScenario() throws Exception {
        Path cfg = config(", 'retention': {'max_versions_per_file': 10}");
        String c = cfg.toString();
        String src = tmp.resolve("source").toString();
        // Three files, one a duplicate of another.
        write("report.txt", "quarterly numbers");
        write("copy-of-report.txt", "quarterly numbers");
        write("notes/todo.txt", "buy milk");
        assertEquals(0, run("once", "-c", c).code());
        assertEquals("quarterly numbers", backup("source/copy-of-report.txt"));
        assertEquals("quarterly numbers", backup("_duplicates/source/report.txt"));
        assertEquals("buy milk", backup("source/notes/todo.txt"));
        assertTrue(logHas("INFO  [main] BACKUP: " + src + "/copy-of-report.txt → source/copy-of-report.txt"));
        assertTrue(logHas("DUPLICATE: " + src + "/report.txt → _duplicates/source/report.txt (same content as source/copy-of-report.txt)"));
        assertTrue(logHas("Run complete: 2 backed up, 0 updated, 1 duplicate, 0 deleted, 0 unchanged, 0 failed in "));

        // Edit one file and add a new one.
        write("notes/todo.txt", "buy milk and eggs");
        write("notes/new.txt", "fresh");
        assertEquals(0, run("once", "-c", c).code());
        assertEquals("buy milk", backup("versions/source/notes/todo.txt/v1.bak"));
        assertEquals("buy milk and eggs", backup("source/notes/todo.txt"));
        assertEquals("fresh", backup("source/notes/new.txt"));
        assertTrue(logHas("ARCHIVE: source/notes/todo.txt → versions/source/notes/todo.txt/v1.bak"));
        assertTrue(logHas("UPDATED: " + src + "/notes/todo.txt → source/notes/todo.txt"));
        assertTrue(logHas("Run complete: 1 backed up, 1 updated, 0 duplicates, 0 deleted, 2 unchanged, 0 failed in "));

        // Edit one file 12 more times: 13 versions were made, 10 remain: v4..v13 (v1 was the first edit above).
        for (int i = 1; i <= 12; i++) {
            write("notes/todo.txt", "todo edit " + i);
            assertEquals(0, run("once", "-c", c).code());
        }
        try (Stream<Path> s = Files.list(tmp.resolve("backup/versions/source/notes/todo.txt"))) {
            assertEquals(List.of("v10.bak", "v11.bak", "v12.bak", "v13.bak", "v4.bak", "v5.bak", "v6.bak", "v7.bak", "v8.bak", "v9.bak"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals("todo edit 11", backup("versions/source/notes/todo.txt/v13.bak"));
        assertTrue(logHas("RETENTION delete: versions/source/notes/todo.txt/v1.bak (more than 10 versions)"));

        // Delete a file.
        Files.delete(tmp.resolve("source/notes/new.txt"));
        assertEquals(0, run("once", "-c", c).code());
        assertEquals("fresh", backup("_deleted/source/notes/new.txt"));
        assertFalse(Files.exists(tmp.resolve("backup/source/notes/new.txt")));
        assertTrue(logHas("ARCHIVE DELETE: source/notes/new.txt → _deleted/source/notes/new.txt"));
        assertTrue(logHas("STATE REMOVE: source/notes/new.txt"));
    }

    @Test
    void aBatchLargeEnoughForOneFilesystemFlushIsBackedUpWhole() throws Exception {
        String c = config("").toString();
        for (int i = 0; i < 150; i++) {
            write("many/f" + i + ".txt", "content " + i);
        }
        assertEquals(0, run("once", "-c", c).code());
        for (int i = 0; i < 150; i++) {
            write("many/f" + i + ".txt", "changed " + i);
        }
        assertEquals(0, run("once", "-c", c).code());
        for (int i = 0; i < 150; i++) {
            assertEquals("changed " + i, backup("source/many/f" + i + ".txt"));
            assertEquals("content " + i, backup("versions/source/many/f" + i + ".txt/v1.bak"));
        }
        assertEquals(List.of(), List.of(tmp.resolve("backup/.keepwatch/tmp").toFile().list()));
    }

    @Test
    void twelveEditsOfAFreshFileLeaveV3ToV12() throws Exception {
        String c = config("").toString();
        write("a.txt", "edit 0");
        assertEquals(0, run("once", "-c", c).code());
        for (int i = 1; i <= 12; i++) {
            write("a.txt", "edit " + i);
            assertEquals(0, run("once", "-c", c).code());
        }
        try (Stream<Path> s = Files.list(tmp.resolve("backup/versions/source/a.txt"))) {
            assertEquals(List.of("v10.bak", "v11.bak", "v12.bak", "v3.bak", "v4.bak", "v5.bak", "v6.bak", "v7.bak", "v8.bak", "v9.bak"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void configErrorExits78AndWritesNothing() throws Exception {
        Path cfg = config(", 'retenion': {}");
        Run r = run("once", "-c", cfg.toString());
        assertEquals(78, r.code());
        assertEquals("keepwatch: " + cfg + ": unknown key 'retenion'; did you mean 'retention'?\n", r.err());
        assertFalse(Files.exists(tmp.resolve("backup")));
        assertFalse(Files.exists(tmp.resolve("logs")));
    }

    @Test
    void aNumberOutOfRangeOrABackupRootThatIsAFileExits78NamingTheKeyForEveryCommand() throws Exception {
        Path cfg = config(", 'watch': {'queue_capacity': 4294967296}");
        for (String command : List.of("check-config", "once", "status", "rebuild-state")) {
            Run r = run(command, "-c", cfg.toString());
            assertEquals(78, r.code(), command + ": " + r.err());
            assertEquals("keepwatch: " + cfg + ": watch.queue_capacity = 4294967296 is out of range (16 to 10000000)\n",
                    r.err(), command);
        }
        Files.writeString(tmp.resolve("a-file"), "not a folder");
        Files.writeString(cfg, Files.readString(cfg).replace("4294967296", "1000").replace("./backup", "./a-file"));
        Run r = run("check-config", "-c", cfg.toString());
        assertEquals(78, r.code(), r.err());
        assertEquals("keepwatch: " + cfg + ": backup_root = '" + tmp.resolve("a-file")
                + "' is a file, not a folder; name a folder, or one that does not exist yet\n", r.err());
        assertEquals("not a folder", Files.readString(tmp.resolve("a-file")));
        assertFalse(Files.exists(tmp.resolve("logs")));
        assertFalse(Files.exists(tmp.resolve("backup")));
    }

    @Test
    void aConfigErrorAfterAnEditIsAlsoTheLastLineOfTheExistingLog() throws Exception {
        Path cfg = config("");
        write("a.txt", "alpha");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        Files.writeString(cfg, Files.readString(cfg).replace("\"backup_root\"", "\"backup_rot\""));
        assertEquals(78, run("once", "-c", cfg.toString()).code());
        List<String> lines = logLines();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.contains("ERROR") && last.contains("Configuration error, exiting with 78")
                && last.contains("unknown key 'backup_rot'; did you mean 'backup_root'?"), last);
    }

    @Test
    void checkConfigPrintsTheResolvedConfiguration() throws Exception {
        Path cfg = config("");
        Run r = run("check-config", "-c", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Configuration OK: " + cfg), r.out());
        assertTrue(r.out().contains("\"backup_root\" : \"" + tmp.resolve("backup") + "\""), r.out());
        assertTrue(r.out().contains("\"keep_last\" : 10"), r.out());
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("backup-everything");
        assertEquals(64, r.code());
        assertTrue(r.err().contains("Unmatched argument"), r.err());
    }

    @Test
    void aSecondProcessIsRefusedByTheLock() throws Exception {
        Path cfg = config("");
        write("a.txt", "alpha");
        var config = new ConfigLoader().load(cfg);
        try (Engine holder = Engine.open(config, RealFs.forFileSystem(cfg.getFileSystem()), Clock.systemUTC(), Progress.NONE)) {
            Run r = run("once", "-c", cfg.toString());
            assertEquals(1, r.code());
            assertTrue(r.err().contains("another keepwatch process (PID " + ProcessHandle.current().pid()
                    + ") is already using the backup root " + tmp.resolve("backup")), r.err());
        }
        assertEquals(0, run("once", "-c", cfg.toString()).code());
    }

    @Test
    void missingOrEmptiedSourceIsUnavailableNotDeleted() throws Exception {
        Path cfg = config("");
        write("a.txt", "alpha");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        // Unmounted disk: the folder is gone. The backup knows the source, so this is not a config error.
        Path moved = tmp.resolve("moved");
        Files.move(tmp.resolve("source"), moved);
        Run r = run("once", "-c", cfg.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(logHas("ERROR [main] Source source is UNAVAILABLE: folder '" + tmp.resolve("source") + "' does not exist"));
        // Back, but empty: still not taken as "everything deleted".
        Files.move(moved, tmp.resolve("source"));
        Files.delete(tmp.resolve("source/a.txt"));
        assertEquals(1, run("once", "-c", cfg.toString()).code());
        assertTrue(logHas("is empty but 1 files of it are backed up"));
        assertEquals("alpha", backup("source/a.txt"));
        assertFalse(Files.exists(tmp.resolve("backup/_deleted")));
        assertEquals(0, run("once", "-c", cfg.toString(), "--accept-empty", "source").code());
        assertEquals("alpha", backup("_deleted/source/a.txt"));
    }

    @Test
    void sourceThatNeverExistedIsAConfigError() throws Exception {
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"sources\": [\"./nope\"], \"backup_root\": \"./backup\"}");
        Run r = run("once", "-c", cfg.toString());
        assertEquals(78, r.code());
        assertTrue(r.err().contains("'sources[0]' source folder '" + tmp.resolve("nope") + "' does not exist"), r.err());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fifoIsSkippedWithoutHangingAndUnicodeNamesSurvive() throws Exception {
        Path cfg = config("");
        write("Grüße/naïve café ✓.txt", "unicode");
        write("NFC é.txt", "nfc");
        write("NFD e\u0301.txt", "nfd");
        Process p = new ProcessBuilder("mkfifo", tmp.resolve("source/pipe").toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        Run r = run("once", "-c", cfg.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("unicode", backup("source/Grüße/naïve café ✓.txt"));
        assertEquals("nfc", backup("source/NFC é.txt"));
        assertEquals("nfd", backup("source/NFD e\u0301.txt"));
        assertFalse(Files.exists(tmp.resolve("backup/source/pipe")));
        assertTrue(logHas("SKIP: source/pipe (not a regular file: FIFO, socket or device)"));
    }
}
