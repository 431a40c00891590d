package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which relative paths read from disk are clean, on a Unix and on a Windows filesystem. */
class RelPathTest {
    @ParameterizedTest(name = "unix: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "OK", value = {
            "a/b.txt              | OK",
            "back\\slash.txt      | OK",
            "C:/x                 | OK",
            "a:b                  | OK",
            "..a/b..              | OK",
            ".hidden/...          | OK",
            "../../escape         | '..' in path",
            "a/../../b            | '..' in path",
            "a/..                 | '..' in path",
            "/etc/passwd          | absolute path",
            "a//b                 | empty name in path",
            "a/                   | empty name in path",
            "./a                  | '.' in path",
    })
    void unix(String rel, String problem) throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            assertEquals(Optional.ofNullable(problem), RelPath.problem(rel, fs));
        }
    }

    @Test
    void emptyAndNulAreRefusedEverywhere() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            assertEquals(Optional.of("empty path"), RelPath.problem("", fs));
            assertEquals(Optional.of("NUL in a name"), RelPath.problem("a\0/b", fs));
        }
    }

    @ParameterizedTest(name = "windows: {0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "OK", value = {
            "a/b.txt              | OK",
            "C:/x                 | absolute path (drive letter)",
            "c:x                  | absolute path (drive letter)",
            "\\\\server\\share    | absolute path",
            "a\\..\\..\\x         | name 'a\\..\\..\\x' is not a single plain name here",
            "a/b:c                | invalid name 'b:c' (Illegal char <:>)",
    })
    void windows(String rel, String problem) throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.windows())) {
            Optional<String> got = RelPath.problem(rel, fs);
            assertEquals(problem == null, got.isEmpty(), rel + ": " + got);
            if (problem != null && !problem.startsWith("invalid name")) {
                assertEquals(problem, got.get());
            }
        }
    }

    @Test
    void resolveGoesNameByNameAndRefusesWithTheReason() throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
            assertEquals(fs.getPath("/backup/a/b\\c"), RelPath.resolve(fs.getPath("/backup"), "a/b\\c"));
            UnsafePathException e = assertThrows(UnsafePathException.class, () -> RelPath.resolve(fs.getPath("/backup"), "a/../../x"));
            assertEquals("a/../../x", e.getFile());
            assertEquals("'..' in path", e.getReason());
        }
    }
}
