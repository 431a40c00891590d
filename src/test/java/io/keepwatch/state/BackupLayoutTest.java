package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The string shortcuts for paths in log lines give what the Path operations they stand for give. */
class BackupLayoutTest {
    private static final List<String> RELS = List.of("a.txt", "docs/report 2024.pdf", "deep/er/and/deeper/f", "café/naïve.txt",
            "x/.hidden", "versions/v1.bak", "back\\slash");

    @ParameterizedTest
    @ValueSource(strings = {"unix", "windows"})
    void stringShortcutsAgreeWithPathOperations(String style) throws Exception {
        try (FileSystem fs = Jimfs.newFileSystem(style.equals("unix") ? Configuration.unix() : Configuration.windows())) {
            Path base = fs.getPath(style.equals("unix") ? "/backup" : "C:\\backup");
            for (String rel : RELS) {
                if (style.equals("windows") && rel.contains("\\")) {
                    continue; // not a name Windows allows
                }
                Path p = BackupLayout.resolve(base, rel);
                assertEquals(p.toString(), BackupLayout.resolvedText(base, rel), rel);
                assertEquals(rel, BackupLayout.relative(base, p), rel);
            }
            // A sibling whose name starts like the base's is not under it: the general answer, not a cut string.
            Path sibling = base.resolveSibling(base.getFileName() + "-old").resolve("f");
            assertEquals("../backup-old/f", BackupLayout.relative(base, sibling));
            Path root = base.getRoot();
            assertEquals(BackupLayout.resolve(root, "top/f").toString(), BackupLayout.resolvedText(root, "top/f"));
            assertEquals("backup/f", BackupLayout.relative(root, base.resolve("f")));
        }
    }
}
