package io.keepwatch.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.state.FileRuns;
import io.keepwatch.state.Fingerprint;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * A scan cut into the metadata index's runs gives, run by run, the same fingerprint and the same files as the scan's
 * records sorted into runs one by one ({@link FileRuns#runOf}), for a scan in several threads' shares (from the hashes the
 * scan kept) as for a plain list, with names whose byte order and {@link String#compareTo} disagree, bounds that are and
 * are not paths of the scan, paths before the first run's first path, and empty runs.
 */
class RunCutTest {
    private static Fingerprint printOf(List<ScannedFile> files) {
        Fingerprint.Builder b = new Fingerprint.Builder();
        files.forEach(f -> b.add(f.rel(), f.size(), f.mtime(), f.inode(), f.perms()));
        return b.build();
    }

    @Test
    void eachRunHoldsTheFilesAndFingerprintOfItsPaths() {
        List<ScannedFile> all = new ArrayList<>();
        List<FileColumns> shares = FileColumnsTest.shares(new Random(19), 1_500, all); // names of FileColumnsTest's ODD too
        all.sort(java.util.Comparator.comparing(ScannedFile::rel));
        MergedFiles merged = new MergedFiles(shares);
        assertEquals(printOf(all), shares.stream().map(FileColumns::fingerprint).reduce(Fingerprint.EMPTY, Fingerprint::plus));

        // Bounds: every 128th path of the scan, some paths that are not in it, the same run twice over (an empty run).
        TreeSet<String> bounds = new TreeSet<>();
        for (int i = 40; i < all.size(); i += 128) {
            bounds.add(all.get(i).rel());
        }
        bounds.add("t3/");
        bounds.add("\uFFFF");
        bounds.add("t7/f5");
        bounds.add("t7/f50");
        List<String> firsts = new ArrayList<>(bounds);
        FileRuns runs = runsAt(firsts);

        List<List<ScannedFile>> expected = new ArrayList<>();
        firsts.forEach(f -> expected.add(new ArrayList<>()));
        all.forEach(f -> expected.get(runs.runOf(f.rel())).add(f));

        for (List<ScannedFile> files : List.of(merged, all)) {
            RunCut cut = RunCut.of(files, firsts);
            assertEquals(firsts.size(), cut.runs());
            for (int k = 0; k < firsts.size(); k++) {
                assertEquals(expected.get(k), cut.files(k), "run " + k);
                assertEquals(printOf(expected.get(k)), cut.print(k), "run " + k);
            }
        }
    }

    @Test
    void oneRunHoldsEverything() {
        List<ScannedFile> all = List.of(new ScannedFile("a", 1, 2, "i", "rw-r--r--"), new ScannedFile("b/c", 3, 4, "", ""));
        RunCut cut = RunCut.of(all, List.of("b"));
        assertEquals(all, cut.files(0));
        assertEquals(printOf(all), cut.print(0));
    }

    private static FileRuns runsAt(List<String> firsts) {
        List<FileRuns.Run> list = new ArrayList<>();
        for (int k = 0; k < firsts.size(); k++) {
            list.add(new FileRuns.Run(firsts.get(k), 10L * k + 1, 10L * k + 5, Fingerprint.EMPTY));
        }
        return new FileRuns(0, 10L * firsts.size() + 1, list);
    }
}
