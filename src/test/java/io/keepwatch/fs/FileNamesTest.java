package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File names as bytes on a real Linux folder, as Strings elsewhere; a name that cannot be made is an error. */
class FileNamesTest {
    @TempDir
    Path tmp;

    /** Names made by the shell (bytes), read back by keepwatch: what a user's folder holds. */
    @Test
    void namesMadeByTheShellAreReadLosslesslyAndFoundAgain() throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "cd \"$1\" && touch $'\\xff\\xfe' $'a\\xe9b' $'nl\\nx' $'\\xef\\xbf\\xbd' $'\\xed\\xb3\\xbf' caf\u00e9",
                "-", tmp.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(tmp)) {
            for (Path e : (Iterable<Path>) s::iterator) {
                String name = FileNames.of(e.getFileName());
                names.add(name);
                Path again = FileNames.resolve(tmp, name);
                assertTrue(Files.exists(again), "found again from its String: " + NameText.escape(name));
                assertEquals(e, again);
            }
        }
        names.sort(null);
        // U+FFFD is a real character here (bytes EF BF BD), not a replacement; ED B3 BF (an encoded surrogate) is
        // not UTF-8, so each of its bytes is escaped.
        assertEquals(List.of("a\uDCE9b", "caf\u00e9", "nl\nx", "\uDCED\uDCB3\uDCBF", "\uDCFF\uDCFE", "\uFFFD"), names,
                () -> names.stream().map(NameText::escape).toList().toString());
    }

    @Test
    void aNameMadeByKeepwatchHasTheBytesTheShellSees() throws Exception {
        Files.writeString(FileNames.resolve(tmp, "x\uDCFFy"), "hi");
        Process p = new ProcessBuilder("bash", "-c", "cat \"$1\"/$'x\\xffy'", "-", tmp.toString()).start();
        assertEquals("hi", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, p.waitFor());
    }

    @Test
    void anyBytesSurviveDecodeAndEncode() {
        Random r = new Random(13);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[1 + r.nextInt(12)];
            r.nextBytes(b);
            if (i % 3 == 0) { // mostly valid UTF-8 with a few bad bytes
                byte[] valid = ("é€𝄞a" + i).getBytes(StandardCharsets.UTF_8);
                System.arraycopy(valid, 0, b, 0, Math.min(valid.length, b.length));
            }
            String s = FileNames.decode(b);
            assertArrayEquals(b, FileNames.encode(s), () -> java.util.HexFormat.of().formatHex(b));
            assertEquals(s, FileNames.decode(FileNames.encode(s)));
        }
    }

    @Test
    void validNamesAreTheirPlainString() {
        String name = "caf\u00e9 \uD834\uDD1E.txt";
        assertEquals(name, FileNames.decode(name.getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals(name.getBytes(StandardCharsets.UTF_8), FileNames.encode(name));
        assertEquals(tmp.resolve(name), FileNames.resolve(tmp, name));
    }

    @Test
    void whatNoNameHoldsIsRefused() {
        assertThrows(InvalidPathException.class, () -> FileNames.resolve(tmp, "a\0b"));
        assertThrows(InvalidPathException.class, () -> FileNames.resolve(tmp, "a\0\uDCFF"));
        assertThrows(InvalidPathException.class, () -> FileNames.resolve(tmp, "a\uD800")); // not an escaped byte
        assertThrows(InvalidPathException.class, () -> FileNames.resolve(tmp, "a\uDC41")); // ASCII is never escaped
        assertThrows(InvalidPathException.class, () -> FileNames.resolve(tmp, "a/\uDCFF"));
    }

    /** jimfs stands for Windows here: names are Strings, and one with an escaped byte cannot be made. */
    @Test
    void elsewhereANameIsItsStringAndEscapedBytesAreRefusedWithTheReason() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            Path root = fs.getPath("/r");
            assertEquals(root.resolve("caf\u00e9"), FileNames.resolve(root, "caf\u00e9"));
            assertEquals(root.resolve("\uD83C\uDF89"), FileNames.resolve(root, "\uD83C\uDF89")); // a pair is a character
            assertEquals("\uFFFD", FileNames.of(fs.getPath("\uFFFD")));
            InvalidPathException e = assertThrows(InvalidPathException.class, () -> FileNames.resolve(root, "\uDCFF"));
            assertTrue(e.getReason().contains("not valid UTF-8, which a file name on this system cannot hold"), e.getReason());
        }
    }

    @Test
    void theBytesAreReachableInTheseTests() {
        assertEquals(java.util.Optional.empty(), FileNames.bytesUnavailable());
    }
}
