package io.keepwatch.scan;

import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.Fingerprint;
import io.keepwatch.testing.TestFs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole-source scan, whose folders several threads list at once: it finds exactly what the tree holds. */
class ScannerTest {
    private FileSystem jimfs;
    private Path src;

    @BeforeEach
    void setUp() {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
    }

    @AfterEach
    void tearDown() throws Exception {
        jimfs.close();
    }

    private ScanResult scanAll(List<String> exclude) throws Exception {
        return new Scanner(new SourceConfig("src", src), ExcludeRules.compile(exclude), new RealFs(false, ms -> { })).scanAll();
    }

    @Test
    void wideDeepAndEmptyFoldersAreListedOnceEachInSortedOrder() throws Exception {
        List<String> expected = new ArrayList<>();
        for (int t = 0; t < 30; t++) {
            for (int f = 0; f < 7; f++) {
                String rel = "t" + t + "/s" + (f % 3) + "/f" + f + ".txt";
                write(src.resolve(rel), rel);
                expected.add(rel);
            }
        }
        StringBuilder deep = new StringBuilder("deep");
        for (int d = 0; d < 150; d++) {
            deep.append("/d").append(d);
        }
        write(src.resolve(deep + "/bottom.txt"), "at the bottom");
        expected.add(deep + "/bottom.txt");
        write(src.resolve("top.txt"), "top");
        expected.add("top.txt");
        write(src.resolve("cache/x.tmp"), "excluded folder");
        Files.createDirectories(src.resolve("empty/inner"));
        Files.createSymbolicLink(src.resolve("link"), src.resolve("t0"));
        expected.sort(null);

        ScanResult r = scanAll(List.of("cache/**"));

        assertEquals(expected, r.files().stream().map(ScannedFile::rel).toList());
        // Only the innermost of empty/inner is empty; "empty" holds it.
        assertEquals(Set.of("empty/inner"), r.emptyFolders().keySet());
        // The fingerprint the threads summed is that of the files and empty folders found, in whatever order they are added.
        Fingerprint.Builder backwards = new Fingerprint.Builder();
        for (int i = r.files().size() - 1; i >= 0; i--) {
            ScannedFile f = r.files().get(i);
            backwards.add(f.rel(), f.size(), f.mtime(), f.inode(), f.perms());
        }
        r.emptyFolders().forEach(backwards::addEmptyFolder);
        assertEquals(backwards.build(), r.fingerprint());
        assertEquals(r.files().size() + 1, r.fingerprint().count());
        assertEquals(Set.of(""), r.covered());
        assertEquals(List.of("link"), r.links());
        assertTrue(r.problems().isEmpty(), r.problems().toString());
    }

    @Test
    void scanningTwiceGivesTheSameResult() throws Exception {
        for (int i = 0; i < 500; i++) {
            write(src.resolve("d" + (i % 23) + "/e" + (i % 5) + "/f" + i), "x" + i);
        }
        assertEquals(scanAll(List.of()), scanAll(List.of()));
    }
}
