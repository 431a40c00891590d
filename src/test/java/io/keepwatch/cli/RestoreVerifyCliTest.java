package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** versions, restore and verify as a user runs them on real folders: exit codes, output lines, files. */
class RestoreVerifyCliTest {
    @TempDir
    Path tmp;
    private String cfg;

    record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(tmp.resolve("source"));
        Path c = tmp.resolve("config.json");
        Files.writeString(c, "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        cfg = c.toString();
    }

    private void write(String rel, String content) throws IOException {
        Path p = tmp.resolve("source").resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
    }

    private void once() {
        Run r = run("once", "-c", cfg);
        assertEquals(0, r.code(), r.err());
    }

    /** Every regular file under {@code root} (relative, {@code /}-separated) with its text. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.put(root.relativize(p).toString(), Files.readString(p, StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    /** A history: a.txt edited twice (v1, v2), b.txt deleted, notes/n.txt stays. */
    private void history() throws IOException {
        write("a.txt", "a one");
        write("b.txt", "bee");
        write("notes/n.txt", "note");
        once();
        write("a.txt", "a two!");
        once();
        Files.delete(tmp.resolve("source/b.txt"));
        write("a.txt", "a three");
        once();
    }

    @Test
    void versionsListsCurrentVersionsAndDeletionsNewestFirst() throws Exception {
        history();
        Run r = run("versions", "-c", cfg, "source/a.txt");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("source/a.txt (newest first; times are local)", lines.get(0));
        assertTrue(lines.get(2).matches("  current\\s+-\\s+\\S+\\s+7 B\\s+sha256:[0-9a-f]{12}"), lines.get(2));
        // Each old version with what retention says of it now (the default policy: keep_last 10).
        assertTrue(lines.get(3).matches("  version\\s+2\\s+\\S+\\s+\\S+\\s+6 B\\s+sha256:[0-9a-f]{12}\\s+keep: last 10"), lines.get(3));
        assertTrue(lines.get(4).matches("  version\\s+1\\s+\\S+\\s+\\S+\\s+5 B\\s+sha256:[0-9a-f]{12}\\s+keep: last 10"), lines.get(4));
        assertEquals(5, lines.size(), r.out());

        Run d = run("versions", "-c", cfg, "source/b.txt", "--json");
        assertEquals(0, d.code(), d.err());
        JsonNode j = new ObjectMapper().readTree(d.out());
        assertEquals("deleted", j.get("entries").get(0).get("kind").asText());
        assertEquals("_deleted/source/b.txt", j.get("entries").get(0).get("backup_file").asText());
        assertEquals(3, j.get("entries").get(0).get("size").asInt());
        assertEquals("keep: deleted files are kept forever", j.get("entries").get(0).get("retention").asText());

        Run none = run("versions", "-c", cfg, "source/never.txt");
        assertEquals(1, none.code());
        assertEquals("keepwatch: the backup holds nothing of source/never.txt\n", none.err());

        // A path without its source's name is a wrong command line, and the message says what to type.
        Run bare = run("versions", "-c", cfg, "a.txt");
        assertEquals(64, bare.code(), bare.err());
        assertEquals("keepwatch: 'a.txt' is not <source>/<path>: start it with the source's name, e.g. source/a.txt"
                + " (sources: source)\nTry 'keepwatch versions --help'.\n", bare.err());
        assertEquals("", bare.out());
    }

    @Test
    void restoreLatestAtAndVersionIntoFreshFolders() throws Exception {
        write("a.txt", "a one");
        write("b.txt", "bee");
        Path a = tmp.resolve("source/a.txt");
        Files.setLastModifiedTime(a, FileTime.from(Instant.parse("2020-01-02T03:04:05.123456789Z")));
        Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-r-----"));
        once();
        Instant afterFirst = Instant.now();
        // --at has one-second resolution: the next pass must fall in a later second of the wall clock.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> Instant.now().getEpochSecond() > afterFirst.getEpochSecond());
        write("a.txt", "a two!");
        Files.delete(tmp.resolve("source/b.txt"));
        once();

        Run latest = run("restore", "-c", cfg, "--to", tmp.resolve("out-latest").toString());
        assertEquals(0, latest.code(), latest.err());
        assertEquals(Map.of("source/a.txt", "a two!"), tree(tmp.resolve("out-latest")));
        assertTrue(latest.out().startsWith("Restored 1 of 1 file(s), 6 B, into " + tmp.resolve("out-latest")
                + " (latest state); every hash matches state.json"), latest.out());

        Run at = run("restore", "-c", cfg, "--to", tmp.resolve("out-at").toString(), "--at", afterFirst.toString());
        assertEquals(0, at.code(), at.err());
        assertEquals(Map.of("source/a.txt", "a one", "source/b.txt", "bee"), tree(tmp.resolve("out-at")));
        Path ra = tmp.resolve("out-at/source/a.txt");
        assertEquals(FileTime.from(Instant.parse("2020-01-02T03:04:05.123456789Z")).toInstant(),
                Files.getLastModifiedTime(ra).toInstant());
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(ra)));

        Run v = run("restore", "-c", cfg, "--to", tmp.resolve("out-v1").toString(), "--path", "a.txt", "--version", "1");
        assertEquals(0, v.code(), v.err());
        assertEquals(Map.of("a.txt", "a one"), tree(tmp.resolve("out-v1")));

        Run both = run("restore", "-c", cfg, "--to", tmp.resolve("x").toString(), "--at", "2026-01-01T00:00:00Z", "--version", "1");
        assertEquals(64, both.code());
        assertTrue(both.err().contains("--at and --version cannot be used together"), both.err());
        Run badTime = run("restore", "-c", cfg, "--to", tmp.resolve("x").toString(), "--at", "yesterday");
        assertEquals(64, badTime.code());
        assertTrue(badTime.err().contains("--at: 'yesterday' is not a time"), badTime.err());
        assertFalse(Files.exists(tmp.resolve("x")));
    }

    @Test
    void restoreRefusesANonEmptyFolderAFolderInsideASourceOrTheBackupRoot() throws Exception {
        history();
        Path busy = tmp.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("mine.txt"), "user data");
        Run r = run("restore", "-c", cfg, "--to", busy.toString());
        assertEquals(1, r.code());
        assertEquals("keepwatch: refusing to restore into " + busy
                + ": it is not empty (use --overwrite to replace files there that the restore also holds)\n", r.err());
        assertEquals(Map.of("mine.txt", "user data"), tree(busy));

        Run inSource = run("restore", "-c", cfg, "--to", tmp.resolve("source/restored").toString());
        assertEquals(1, inSource.code());
        assertTrue(inSource.err().contains("it is inside the source folder " + tmp.resolve("source")), inSource.err());
        assertFalse(Files.exists(tmp.resolve("source/restored")));

        Run inBackup = run("restore", "-c", cfg, "--to", tmp.resolve("backup/x").toString());
        assertEquals(1, inBackup.code());
        assertTrue(inBackup.err().contains("it is inside the backup root " + tmp.resolve("backup")), inBackup.err());
        assertFalse(Files.exists(tmp.resolve("backup/x")));

        // A link to the source is the source.
        Files.createSymbolicLink(tmp.resolve("link-to-source"), tmp.resolve("source"));
        Run viaLink = run("restore", "-c", cfg, "--to", tmp.resolve("link-to-source/r").toString());
        assertEquals(1, viaLink.code());
        assertFalse(Files.exists(tmp.resolve("source/r")));

        Files.createDirectories(busy.resolve("source"));
        Files.writeString(busy.resolve("source/a.txt"), "stale copy, replaced");
        Run over = run("restore", "-c", cfg, "--to", busy.toString(), "--overwrite");
        assertEquals(0, over.code(), over.err());
        assertEquals(Map.of("mine.txt", "user data", "source/a.txt", "a three", "source/notes/n.txt", "note"), tree(busy));
    }

    @Test
    void corruptOrMissingBackupFileIsReportedAndNotWrittenExit2() throws Exception {
        history();
        Path v1 = tmp.resolve("backup/versions/source/a.txt/v1.bak");
        Files.writeString(v1, "a 0ne"); // same size, one byte flipped
        Files.delete(tmp.resolve("backup/source/notes/n.txt"));
        Path out = tmp.resolve("out");
        Run r = run("restore", "-c", cfg, "--to", out.toString(), "--path", "a.txt", "--version", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("CORRUPT a.txt: the backup file versions/source/a.txt/v1.bak (version 1 of source/a.txt) "
                + "is corrupt: its content hashes to sha256:"), r.err());
        assertTrue(r.out().contains("Restored 0 of 1 file(s)"), r.out());
        assertEquals(List.of(), listAll(out));

        Path out2 = tmp.resolve("out2");
        Run m = run("restore", "-c", cfg, "--to", out2.toString());
        assertEquals(2, m.code());
        assertTrue(m.err().startsWith("MISSING source/notes/n.txt: the backup file source/notes/n.txt (current copy of "
                + "source/notes/n.txt) is missing from the backup root; nothing was written"), m.err());
        assertTrue(m.out().startsWith("Restored 1 of 2 file(s), 7 B, into " + out2 + " (latest state); 1 not restored (1 missing)"),
                m.out());
        assertEquals(Map.of("source/a.txt", "a three"), tree(out2));
        assertEquals(List.of("source", "source/a.txt"), listAll(out2)); // no temp files left
    }

    private static List<String> listAll(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void tamperedStateCannotMakeRestoreWriteOutsideTheFolder() throws Exception {
        history();
        // state.json edited by hand: one entry climbs out with "..", one is absolute; both reuse a.txt's record.
        Path stateFile = tmp.resolve("backup/state.json");
        ObjectMapper m = new ObjectMapper();
        ObjectNode state = (ObjectNode) m.readTree(stateFile.toFile());
        ObjectNode files = (ObjectNode) state.get("sources").get("source").get("files");
        JsonNode a = files.get("a.txt");
        Path absTarget = tmp.resolve("abs-escape.txt");
        files.set("../../escape", a.deepCopy());
        files.set(absTarget.toString(), a.deepCopy());
        m.writeValue(stateFile.toFile(), state);
        // The files those entries would be read from exist too, so only the path check stops them.
        Files.writeString(tmp.resolve("escape"), "a three");

        Path out = tmp.resolve("deep/out");
        Run r = run("restore", "-c", cfg, "--to", out.toString());
        assertEquals(2, r.code(), r.err());
        // state.json's reader set both records aside (quarantined): never acted on, each listed as refused.
        assertTrue(r.err().contains("REFUSED source/../../escape: state.json record quarantined (file): '..' in path; "
                + "nothing was written"), r.err());
        assertTrue(r.err().contains("REFUSED source/" + absTarget + ": state.json record quarantined (file): absolute path"), r.err());
        assertTrue(r.out().contains("Restored 2 of 4 file(s)"), r.out());
        assertEquals(Map.of("source/a.txt", "a three", "source/notes/n.txt", "note"), tree(out));
        assertFalse(Files.exists(tmp.resolve("deep/escape")));
        assertFalse(Files.exists(tmp.resolve("escape.txt")));
        assertFalse(Files.exists(absTarget));
        assertEquals("a three", Files.readString(tmp.resolve("escape")));
        // With --source, the target is the bare path: still refused.
        Run s = run("restore", "-c", cfg, "--to", tmp.resolve("out-s").toString(), "--source", "source");
        assertEquals(2, s.code());
        assertTrue(s.err().contains("REFUSED ../../escape: state.json record quarantined (file): '..' in path"), s.err());
        assertTrue(s.err().contains("REFUSED " + absTarget + ": state.json record quarantined (file): absolute path"), s.err());
        assertFalse(Files.exists(absTarget));
        assertFalse(Files.exists(tmp.getParent().resolve("escape")));
    }

    @Test
    void aSymbolicLinkInsideTheFolderIsNotWrittenThrough() throws Exception {
        history();
        Path out = tmp.resolve("out");
        Path elsewhere = tmp.resolve("elsewhere");
        Files.createDirectories(out.resolve("source"));
        Files.createDirectories(elsewhere);
        Files.createSymbolicLink(out.resolve("source/notes"), elsewhere);
        Run r = run("restore", "-c", cfg, "--to", out.toString(), "--overwrite");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("REFUSED source/notes/n.txt: " + out.resolve("source/notes")
                + ": is a symbolic link inside the destination; refusing to write through it"), r.err());
        assertEquals(List.of(), listAll(elsewhere));
        assertEquals("a three", Files.readString(out.resolve("source/a.txt")));
    }

    @Test
    void verifyNamesEveryTamperedFileAndExitsNonZero() throws Exception {
        history();
        Run ok = run("verify", "-c", cfg);
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("Backup intact: 5 file(s) checked, 25 B in "), ok.out());

        Path v1 = tmp.resolve("backup/versions/source/a.txt/v1.bak");
        byte[] bytes = Files.readAllBytes(v1);
        bytes[2] ^= 0x01;
        Files.write(v1, bytes);
        Files.delete(tmp.resolve("backup/source/notes/n.txt"));
        Files.writeString(tmp.resolve("backup/source/stray.txt"), "who put this here");
        Run bad = run("verify", "-c", cfg);
        assertEquals(2, bad.code());
        List<String> lines = bad.out().lines().toList();
        assertEquals("MISSING source/notes/n.txt (current copy of source/notes/n.txt)", lines.get(0));
        assertEquals("UNEXPECTED source/stray.txt: a file that state.json does not know", lines.get(1));
        assertTrue(lines.get(2).startsWith("CORRUPTED versions/source/a.txt/v1.bak (version 1 of source/a.txt): content hashes to sha256:"),
                lines.get(2));
        assertTrue(lines.get(3).startsWith("Backup NOT intact: 4 file(s) checked, 21 B in "), lines.get(3));
        assertTrue(lines.get(3).endsWith("; 1 missing, 1 corrupted, 1 unexpected, 0 error(s)"), lines.get(3));

        Run json = run("verify", "-c", cfg, "--json");
        assertEquals(2, json.code());
        JsonNode j = new ObjectMapper().readTree(json.out());
        assertFalse(j.get("intact").asBoolean());
        assertEquals(1, j.get("missing").asInt());
        assertEquals(1, j.get("corrupted").asInt());
        assertEquals(1, j.get("unexpected").asInt());
        assertEquals("versions/source/a.txt/v1.bak", j.get("problems").get(2).get("path").asText());
    }

    @Test
    void largeFilesAreVerifiedAndRestoredByteForByte() throws Exception {
        // 37 MiB and 1234 bytes: ten direct reads of 4 MiB (or five 8 MiB mapped windows where the file system has no
        // O_DIRECT), the last one partial and ending off a 4 KiB block
        byte[] big = new byte[(37 << 20) + 1234];
        new java.util.Random(42).nextBytes(big);
        Files.write(tmp.resolve("source/big.bin"), big);
        once();
        Run ok = run("verify", "-c", cfg);
        assertEquals(0, ok.code(), ok.out());
        assertTrue(ok.out().startsWith("Backup intact: 1 file(s) checked, 37.0 MiB in "), ok.out());
        assertTrue(ok.out().endsWith("; every file matches state.json\n"), ok.out());
        Run back = run("restore", "-c", cfg, "--to", tmp.resolve("out").toString());
        assertEquals(0, back.code(), back.err());
        assertTrue(java.util.Arrays.equals(big, Files.readAllBytes(tmp.resolve("out/source/big.bin"))));

        Path copy = tmp.resolve("backup/source/big.bin");
        byte[] tampered = Files.readAllBytes(copy);
        tampered[(33 << 20) + 5] ^= 0x40;   // in the last full read
        tampered[big.length - 1] ^= 0x01;   // and the file's last byte
        Files.write(copy, tampered);
        Run bad = run("verify", "-c", cfg, "--json");
        assertEquals(2, bad.code());
        JsonNode j = new ObjectMapper().readTree(bad.out());
        assertEquals("corrupted", j.get("problems").get(0).get("kind").asText());
        assertEquals("source/big.bin", j.get("problems").get(0).get("path").asText());
        assertEquals((37 << 20) + 1234, j.get("bytes").asLong());
    }
}
