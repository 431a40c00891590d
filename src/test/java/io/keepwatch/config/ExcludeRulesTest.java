package io.keepwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExcludeRulesTest {
    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "**/*.tmp        | a.tmp               | true",
            "**/*.tmp        | x/y/a.tmp           | true",
            "**/*.tmp        | a.tmpx              | false",
            "*.tmp           | deep/down/a.tmp     | true",
            ".DS_Store       | photos/.DS_Store    | true",
            "/top.txt        | top.txt             | true",
            "/top.txt        | sub/top.txt         | false",
            "node_modules/** | node_modules/x/y.js | true",
            "node_modules/** | app/node_modules/x  | false",
            "**/node_modules/** | app/node_modules/x | true",
            "docs/*.md       | docs/a.md           | true",
            "docs/*.md       | docs/sub/a.md       | false",
            "*.{jpg,png}     | a/b.png             | true",
            "file?.txt       | file1.txt           | true",
            "file?.txt       | file10.txt          | false",
            "[ab].txt        | b.txt               | true",
            "[!ab].txt       | b.txt               | false",
    })
    void matchesFiles(String glob, String rel, boolean excluded) {
        assertEquals(excluded, ExcludeRules.compile(List.of(glob)).excludesPath(rel));
    }

    @ParameterizedTest(name = "folder {1} under {0} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "node_modules/** | node_modules | true",
            "**/build/**     | a/build      | true",
            "build           | a/build      | true",
            "*.tmp           | a            | false",
    })
    void prunesFolders(String glob, String folder, boolean pruned) {
        assertEquals(pruned, ExcludeRules.compile(List.of(glob)).excludesFolder(folder));
    }

    @org.junit.jupiter.api.Test
    void rejectsBrokenPatterns() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExcludeRules.compile(List.of("a[b")));
        assertEquals("invalid pattern 'a[b': unclosed [", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExcludeRules.compile(List.of("{a,b")));
    }
}
