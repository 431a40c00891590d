package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.fs.FileNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every name Linux allows, through the commands a user runs, on real folders (jimfs cannot hold a name that
 * is not UTF-8): backup, edit, delete, restore of the latest state and {@code --at} two moments, each compared
 * byte for byte and name for name, the names listed by {@code find} (bytes, not through Java's names).
 */
class OddNamesRoundTripTest {
    @TempDir
    Path tmp;

    /** Each odd name, as the bytes of its last name; some inside a folder with an odd name. */
    private static final Map<String, byte[]> NAMES = new LinkedHashMap<>();

    static {
        name("invalid-utf8", new byte[] {(byte) 0xff, (byte) 0xfe});
        name("invalid-utf8 mixed", bytes("caf", new byte[] {(byte) 0xe9}, ".txt"));
        name("encoded surrogate", new byte[] {(byte) 0xed, (byte) 0xb3, (byte) 0xbf});
        name("newline", "new\nline.txt".getBytes(StandardCharsets.UTF_8));
        name("forged log line", "x\n2026-01-01 00:00:00.000 ERROR [main] FAILED: forged".getBytes(StandardCharsets.UTF_8));
        name("tab", "tab\there".getBytes(StandardCharsets.UTF_8));
        name("carriage return and escape", "cr\r\u001b[31mred".getBytes(StandardCharsets.UTF_8));
        name("backslash", "back\\slash\\n".getBytes(StandardCharsets.UTF_8));
        name("colon", "a:b".getBytes(StandardCharsets.UTF_8));
        name("drive-like", "C:".getBytes(StandardCharsets.UTF_8));
        name("leading dash", "-rf".getBytes(StandardCharsets.UTF_8));
        name("255 bytes", ("n".repeat(251) + ".txt").getBytes(StandardCharsets.UTF_8));
        name("NFC", "caf\u00e9".getBytes(StandardCharsets.UTF_8));
        name("NFD", "cafe\u0301".getBytes(StandardCharsets.UTF_8));
        name("replacement character", "\uFFFD".getBytes(StandardCharsets.UTF_8));
        name("versions", "versions".getBytes(StandardCharsets.UTF_8));
        name("_deleted", "_deleted".getBytes(StandardCharsets.UTF_8));
        name("_duplicates", "_duplicates".getBytes(StandardCharsets.UTF_8));
        name("state.json", "state.json".getBytes(StandardCharsets.UTF_8));
        name("space and quotes", " 'x' \"y\" ".getBytes(StandardCharsets.UTF_8));
    }

    private static void name(String what, byte[] b) {
        NAMES.put(what, b);
    }

    private static byte[] bytes(String a, byte[] b, String c) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] z = c.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[x.length + b.length + z.length];
        System.arraycopy(x, 0, out, 0, x.length);
        System.arraycopy(b, 0, out, x.length, b.length);
        System.arraycopy(z, 0, out, x.length + b.length, z.length);
        return out;
    }

    /** The folder, as bytes, some of the files also lie in. */
    private static final byte[] ODD_DIR = {'d', (byte) 0xff, '\n', ':'};

    record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** Relative path (as bytes, {@code /}-separated, hex) to content, of every file under {@code dir}, listed by find. */
    private static Map<String, String> tree(Path dir) throws Exception {
        Process p = new ProcessBuilder("find", ".", "-mindepth", "1", "-type", "f", "-printf", "%P\\0").directory(dir.toFile()).start();
        byte[] all = p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        Map<String, String> out = new TreeMap<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 0) {
                byte[] rel = java.util.Arrays.copyOfRange(all, start, i);
                start = i + 1;
                Path file = dir;
                for (String name : FileNames.decode(rel).split("/")) {
                    file = FileNames.resolve(file, name);
                }
                out.put(HexFormat.of().formatHex(rel), new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** What {@link #tree} should show for the odd files with {@code content(name)}, in the top folder and in {@link #ODD_DIR}. */
    private static Map<String, String> expected(java.util.function.Function<String, String> content) {
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : NAMES.entrySet()) {
            out.put(HexFormat.of().formatHex(e.getValue()), content.apply(e.getKey()));
            out.put(HexFormat.of().formatHex(ODD_DIR) + "2f" + HexFormat.of().formatHex(e.getValue()), content.apply(e.getKey()) + " (in dir)");
        }
        return out;
    }

    private Path file(Path root, byte[]... names) {
        Path p = root;
        for (byte[] n : names) {
            p = FileNames.resolve(p, FileNames.decode(n));
        }
        return p;
    }

    private void writeAll(Path src, String version) throws IOException {
        Files.createDirectories(file(src, ODD_DIR));
        for (Map.Entry<String, byte[]> e : NAMES.entrySet()) {
            Files.writeString(file(src, e.getValue()), version + " of " + e.getKey());
            Files.writeString(file(src, ODD_DIR, e.getValue()), version + " of " + e.getKey() + " (in dir)");
        }
    }

    private List<String> log() throws IOException {
        return Files.readAllLines(tmp.resolve("logs/keepwatch.log"), StandardCharsets.UTF_8);
    }

    @Test
    void everyNameIsBackedUpAndRestoredByteForByte() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("source"));
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        String c = cfg.toString();
        Files.writeString(src.resolve("keep.txt"), "stays");
        writeAll(src, "v1");
        int files = 2 * NAMES.size();

        Run first = run("once", "-c", c);
        assertEquals(0, first.code(), first.err());
        assertTrue(log().stream().anyMatch(l -> l.contains("Run complete: " + (files + 1) + " backed up, 0 updated, 0 duplicates, "
                + "0 deleted, 0 unchanged, 0 failed")), log().toString());
        Instant afterFirst = Instant.now();

        writeAll(src, "v2");
        Run second = run("once", "-c", c);
        assertEquals(0, second.code(), second.err());
        assertTrue(log().stream().anyMatch(l -> l.contains("Run complete: 0 backed up, " + files + " updated, 0 duplicates, "
                + "0 deleted, 1 unchanged, 0 failed")), log().toString());
        Instant afterSecond = Instant.now();

        Run latest = run("restore", "-c", c, "--to", tmp.resolve("latest").toString());
        assertEquals(0, latest.code(), latest.err());

        for (byte[] n : NAMES.values()) {
            Files.delete(file(src, n));
            Files.delete(file(src, ODD_DIR, n));
        }
        Files.delete(file(src, ODD_DIR));
        Run third = run("once", "-c", c);
        assertEquals(0, third.code(), third.err());
        assertTrue(log().stream().anyMatch(l -> l.contains("Run complete: 0 backed up, 0 updated, 0 duplicates, " + files
                + " deleted, 1 unchanged, 0 failed")), log().toString());

        Map<String, String> v1 = expected(what -> "v1 of " + what);
        Map<String, String> v2 = expected(what -> "v2 of " + what);
        Map<String, String> keep = Map.of(HexFormat.of().formatHex("keep.txt".getBytes(StandardCharsets.UTF_8)), "stays");
        Map<String, String> latestWanted = new TreeMap<>(v2);
        latestWanted.putAll(keep);
        assertEquals(latestWanted, tree(tmp.resolve("latest/source")));

        for (Map.Entry<Instant, Map<String, String>> at : Map.of(afterFirst, v1, afterSecond, v2).entrySet()) {
            Path to = tmp.resolve("at-" + at.getKey().toEpochMilli());
            Run r = run("restore", "-c", c, "--at", at.getKey().toString(), "--to", to.toString());
            assertEquals(0, r.code(), r.err());
            Map<String, String> wanted = new TreeMap<>(at.getValue());
            wanted.putAll(keep);
            assertEquals(wanted, tree(to.resolve("source")), "--at " + at.getKey());
        }
        Run now = run("restore", "-c", c, "--to", tmp.resolve("now").toString());
        assertEquals(0, now.code(), now.err());
        assertEquals(keep, tree(tmp.resolve("now/source")));

        // verify finds every copy where state.json says, and rebuild-state finds them all again.
        Run verify = run("verify", "-c", c);
        assertEquals(0, verify.code(), verify.out() + verify.err());
        assertTrue(verify.out().contains("Backup intact: " + (2 * files + 1) + " file(s) checked"), verify.out());
        Run rebuilt = run("rebuild-state", "-c", c);
        assertEquals(0, rebuilt.code(), rebuilt.out() + rebuilt.err());
        verify = run("verify", "-c", c);
        assertEquals(0, verify.code(), verify.out() + verify.err());

        // The log: no file was taken for vanished, and no name started a line of its own.
        List<String> lines = log();
        assertFalse(lines.stream().anyMatch(l -> l.contains("vanished")), lines.toString());
        for (String l : lines) {
            assertTrue(l.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [A-Z]+ +\\[[^\\]]+\\] .*"), "a line of its own: " + l);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("ARCHIVE DELETE: source/d\\xff\\n:/x\\n2026-01-01 00:00:00.000 ERROR [main] "
                + "FAILED: forged → _deleted/source/d\\xff\\n:/x\\n2026")), lines.toString());
    }

    /** A colon is an ordinary character on Linux: {@code --path a:b} and {@code versions source/a:b} find the file. */
    @Test
    void aColonIsNoDriveLetterHere() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("source"));
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        Files.writeString(src.resolve("a:b"), "colon");
        Files.createDirectories(src.resolve("C:"));
        Files.writeString(src.resolve("C:/x"), "drive?");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        Run r = run("restore", "-c", cfg.toString(), "--source", "source", "--path", "a:b", "--to", tmp.resolve("r1").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("colon", Files.readString(tmp.resolve("r1/a:b")));
        r = run("restore", "-c", cfg.toString(), "--path", "C:/x", "--to", tmp.resolve("r2").toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("drive?", Files.readString(tmp.resolve("r2/C:/x")));
        Run v = run("versions", "-c", cfg.toString(), "source/a:b");
        assertEquals(0, v.code(), v.err());
        assertTrue(v.out().startsWith("source/a:b (newest first"), v.out());
    }
}
