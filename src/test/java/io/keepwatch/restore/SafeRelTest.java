package io.keepwatch.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which relative paths from state.json restore accepts, on a Unix and on a Windows filesystem. */
class SafeRelTest {
    @ParameterizedTest(name = "unix: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "OK", value = {
            "a/b.txt               | OK",
            "back\\slash.txt       | OK",
            "-rf                   | OK",
            "a:b                   | OK",
            "C:/x                  | OK",
            "trailing space |OK",
            "../../escape          | '..' in path",
            "a/../b                | '..' in path",
            "/etc/passwd           | absolute path",
            "a//b                  | empty name in path",
            "./a                   | '.' in path",
    })
    void unix(String rel, String problem) throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            assertEquals(Optional.ofNullable(problem), SafeRel.problem(rel, fs.getPath("/restore")));
        }
    }

    @Test
    void aBackslashSeparatesFoldersOnWindowsAndIsRefusedThere() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.windows())) {
            assertEquals(Optional.of("name '" + io.keepwatch.fs.NameText.escape("a\\..\\..\\x") + "' is not a single plain name here"), SafeRel.problem("a\\..\\..\\x", fs.getPath("C:\\restore")));
            assertEquals(Optional.of("absolute path (drive letter)"), SafeRel.problem("C:/x", fs.getPath("C:\\restore")));
        }
    }

    /** A name whose bytes are not UTF-8 is a plain name on Linux; where names are Strings it cannot be made. */
    @Test
    void bytesThatAreNotUtf8(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        assertEquals(Optional.empty(), SafeRel.problem("d/\uDCFF\uDCFE", tmp));
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.windows())) {
            String why = SafeRel.problem("d/\uDCFF", fs.getPath("C:\\restore")).orElseThrow();
            org.junit.jupiter.api.Assertions.assertTrue(why.startsWith("invalid name '\\xff' (the name holds bytes that are not valid UTF-8"), why);
        }
    }
}
