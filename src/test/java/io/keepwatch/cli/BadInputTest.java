package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weird names and file kinds on a real filesystem: each is backed up or skipped as the README says, and
 * {@code keepwatch restore} gives back exactly what was backed up. (A file without read permission: root
 * reads it anyway, so it is tested in {@code EngineTest} by injection and in {@code RealFaultsIT} as a
 * non-root keepwatch.)
 */
class BadInputTest {
    /** Two spellings of "café.txt" that differ only in Unicode normalization: two different names on Linux. */
    private static final String NFC = "caf\u00e9.txt";
    private static final String NFD = "cafe\u0301.txt";

    @TempDir
    Path tmp;

    private Path src;
    private Path cfg;

    private int once() {
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "once", "-c", cfg.toString());
        assertTrue(code == 0, "exit " + code + ": " + err);
        return code;
    }

    /** {@code keepwatch restore --to DIR} of the latest state; returns where the source's files land. */
    private Path restore() {
        Path to = tmp.resolve("restored");
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true),
                "restore", "-c", cfg.toString(), "--to", to.toString());
        assertEquals(0, code, "restore exit " + code + ": " + err);
        return to.resolve("source");
    }

    private void setUp() throws IOException {
        src = tmp.resolve("source");
        Files.createDirectories(src);
        cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
    }

    private Path backup(String rel) {
        return tmp.resolve("backup/source").resolve(rel);
    }

    /** The names in {@code dir} exactly as the filesystem returns them (no normalization). */
    private static Set<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void oddNamesAreBackedUpByteForByte() throws Exception {
        setUp();
        List<String> names = List.of("line\nbreak.txt", "back\\slash.txt", "-rf", "--help", "trailing spaces  ", " leading space",
                "x".repeat(251) + ".txt", "tab\there", "quote\"and'apostrophe", "star*question?.txt", NFC, NFD,
                "日本語.txt", "versions", "_deleted", "_duplicates", "state.json", ".keepwatch");
        int i = 0;
        for (String name : names) {
            Files.writeString(src.resolve(name), "content " + i++, StandardCharsets.UTF_8);
        }
        StringBuilder deep = new StringBuilder();
        for (int d = 0; d < 120; d++) {
            deep.append("d").append(d % 10).append('/');
        }
        Path deepFile = src.resolve(deep + "bottom.txt");
        Files.createDirectories(deepFile.getParent());
        Files.writeString(deepFile, "deep down");
        Files.createFile(src.resolve("empty"));
        once();
        i = 0;
        for (String name : names) {
            assertEquals("content " + i++, Files.readString(backup(name), StandardCharsets.UTF_8), name);
        }
        assertEquals("deep down", Files.readString(backup(deep + "bottom.txt")));
        assertEquals(0, Files.size(backup("empty")));
        // The NFC and NFD spellings of café.txt are two files in the source, and stay two in the backup.
        assertNotEquals(NFC, NFD);
        assertEquals(NFC, Normalizer.normalize(NFD, Normalizer.Form.NFC));
        assertTrue(names(src).containsAll(List.of(NFC, NFD)), names(src).toString());
        assertTrue(names(backup("")).containsAll(List.of(NFC, NFD)), names(backup("")).toString());
        assertEquals(-1, Files.mismatch(src.resolve(NFC), backup(NFC)));
        assertEquals(-1, Files.mismatch(src.resolve(NFD), backup(NFD)));
        assertFalse(Arrays.equals(Files.readAllBytes(backup(NFC)), Files.readAllBytes(backup(NFD))));
        // Every name comes back from `keepwatch restore` as it was, and nothing else does.
        Path restored = restore();
        i = 0;
        for (String name : names) {
            assertEquals("content " + i++, Files.readString(restored.resolve(name), StandardCharsets.UTF_8), name);
        }
        assertEquals("deep down", Files.readString(restored.resolve(deep + "bottom.txt")));
        assertEquals(0, Files.size(restored.resolve("empty")));
        assertTrue(names(restored).containsAll(List.of(NFC, NFD)), names(restored).toString());
        assertEquals(-1, Files.mismatch(src.resolve(NFC), restored.resolve(NFC)));
        assertEquals(-1, Files.mismatch(src.resolve(NFD), restored.resolve(NFD)));
        try (var s = Files.walk(restored)) {
            assertEquals(names.size() + 2, s.filter(Files::isRegularFile).count());
        }
        // A second deletion of a 255-byte name gets a shortened stored name instead of failing.
        String longName = "x".repeat(251) + ".txt";
        Files.delete(src.resolve(longName));
        once();
        Files.writeString(src.resolve(longName), "second life");
        once();
        Files.delete(src.resolve(longName));
        once();
        try (var s = Files.list(tmp.resolve("backup/_deleted/source"))) {
            assertEquals(2, s.filter(p -> p.getFileName().toString().startsWith("xxxx")).count());
        }
        // Edits of odd names version properly too.
        Files.writeString(src.resolve("line\nbreak.txt"), "edited");
        once();
        assertEquals("content 0", Files.readString(tmp.resolve("backup/versions/source/line\nbreak.txt/v1.bak")));
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void specialFilesAreSkippedUnopenedAndLinksAreNotFollowed() throws Exception {
        setUp();
        Files.writeString(src.resolve("real.txt"), "real");
        Files.writeString(tmp.resolve("outside.txt"), "outside the source");
        Files.createSymbolicLink(src.resolve("to-outside"), tmp.resolve("outside.txt"));
        Files.createSymbolicLink(src.resolve("to-outside-dir"), tmp);
        Files.createSymbolicLink(src.resolve("loop"), src);
        Files.createDirectories(src.resolve("a"));
        Files.createSymbolicLink(src.resolve("a/up"), src.resolve("a"));
        assertEquals(0, new ProcessBuilder("mkfifo", src.resolve("fifo").toString()).start().waitFor());
        try (ServerSocketChannel sock = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            sock.bind(UnixDomainSocketAddress.of(src.resolve("socket")));
            once();
        }
        assertEquals("real", Files.readString(backup("real.txt")));
        for (String skipped : List.of("to-outside", "to-outside-dir", "loop", "a/up", "fifo", "socket")) {
            assertFalse(Files.exists(backup(skipped), LinkOption.NOFOLLOW_LINKS), skipped);
        }
        String log = Files.readString(tmp.resolve("logs/keepwatch.log"));
        assertTrue(log.contains("Skipped in source: 4 symbolic link(s), 2 FIFO/socket/device file(s)"), log);
        // Skipped means not in the backup, so a restore gives back the real file alone.
        Path restored = restore();
        try (var s = Files.walk(restored)) {
            assertEquals(List.of(restored.resolve("real.txt")), s.filter(p -> !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).toList());
        }
        assertEquals("real", Files.readString(restored.resolve("real.txt")));
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aFiveGibSparseFileStaysSparseInTheBackupAndWhenRestored() throws Exception {
        setUp();
        Path sparse = src.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(sparse.toString(), "rw")) {
            f.setLength(5L << 30);
            f.seek(3L << 30);
            f.write("a little data in the middle".getBytes(StandardCharsets.US_ASCII));
        }
        Files.setPosixFilePermissions(sparse, PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(sparse, FileTime.from(1_700_000_000_123_456_789L, TimeUnit.NANOSECONDS));
        once();
        Path copy = backup("disk.img");
        assertEquals(5L << 30, Files.size(copy));
        assertEquals("a little data in the middle", readAt(copy, 3L << 30, 27));
        long allocatedKb = allocatedKb(copy);
        assertTrue(allocatedKb < 16 * 1024, "the copy of a sparse file takes " + allocatedKb + " KiB on disk");

        // Restored, it is sparse again (the trailing 2 GiB hole included), with the same bytes, mtime and mode.
        Path restored = restore().resolve("disk.img");
        assertEquals(5L << 30, Files.size(restored));
        long restoredKb = allocatedKb(restored);
        assertTrue(restoredKb < 16 * 1024, "the restored sparse file takes " + restoredKb + " KiB on disk");
        assertEquals("a little data in the middle", readAt(restored, 3L << 30, 27));
        StringWriter out = new StringWriter();
        assertEquals(0, Main.execute(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                "versions", "-c", cfg.toString(), "source/disk.img", "--json"));
        String recorded = new ObjectMapper().readTree(out.toString()).get("entries").get(0).get("hash").asText();
        assertEquals(recorded, sha256(restored));
        assertEquals(1_700_000_000_123_456_789L, Files.getLastModifiedTime(restored).to(TimeUnit.NANOSECONDS));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(restored)));
    }

    private static String readAt(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toString(), "r")) {
            f.seek(offset);
            byte[] b = new byte[length];
            f.readFully(b);
            return new String(b, StandardCharsets.US_ASCII);
        }
    }

    /** What {@code du -k} says the file takes on disk: allocated blocks, not its length. */
    private static long allocatedKb(Path file) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-k", file.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, du.waitFor(), out);
        return Long.parseLong(out.split("\\s+")[0]);
    }

    /** The file's SHA-256 in the form state.json records ({@code sha256:<hex>}), read here independently. */
    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        try (FileChannel in = FileChannel.open(file)) {
            while (true) {
                buf.clear();
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                digest.update(buf.array(), 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }
}
