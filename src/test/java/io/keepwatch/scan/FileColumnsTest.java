package io.keepwatch.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.fs.PermissionText;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A scan's files kept in columns: every file comes back exactly as it was added, and the order by path is that of
 * {@link String#compareTo}, for ASCII names, for other names (where UTF-8's byte order would differ) and across pages.
 */
class FileColumnsTest {
    /** Names where byte orders and String.compareTo disagree: U+E000..U+FFFF sorts after surrogate pairs in UTF-16. */
    private static final String[] ODD = {"é", "\uFFFD", "\uE000x", "\uD83D\uDE00", "\uD83D", "a\u0000b", "z", "Z", "ä/ö", ""};

    static ScannedFile file(Random r, int i) {
        String name = "f" + r.nextInt(1000) + (r.nextInt(5) == 0 ? ODD[r.nextInt(ODD.length)] : "") + "." + i;
        String dir = r.nextBoolean() ? "t" + r.nextInt(20) + "/" : r.nextInt(4) == 0 ? ODD[r.nextInt(ODD.length)] + "/" : "";
        String inode = r.nextInt(10) == 0 ? "" : r.nextInt(20) == 0 ? "key-é-" + i : "(dev=803,ino=" + r.nextInt(1 << 30) + ")";
        String perms = r.nextInt(10) == 0 ? "" : PermissionText.ofMask(r.nextInt(512));
        return new ScannedFile(dir + name, r.nextLong() & Long.MAX_VALUE, r.nextLong(), inode, perms);
    }

    static int mask(String perms) {
        return perms.isEmpty() ? -1 : PermissionText.mask(PosixFilePermissions.fromString(perms));
    }

    @Test
    void everyFileComesBackAsAddedAndSortedAsStringsSort() {
        Random r = new Random(14);
        List<ScannedFile> added = new ArrayList<>();
        FileColumns columns = new FileColumns();
        for (int i = 0; i < 140_000; i++) { // two blocks of entries, several pages of text
            ScannedFile f = file(r, i);
            added.add(f);
            columns.add(f.rel(), f.size(), f.mtime(), f.inode(), mask(f.perms()));
        }
        assertEquals(added.size(), columns.size());
        for (int i = 0; i < added.size(); i++) {
            assertEquals(added.get(i), columns.file(i));
        }
        columns.sort();
        List<ScannedFile> expected = new ArrayList<>(added);
        expected.sort(Comparator.comparing(ScannedFile::rel));
        List<ScannedFile> sorted = new ArrayList<>();
        for (int k = 0; k < columns.size(); k++) {
            sorted.add(columns.file(columns.sorted(k)));
        }
        assertEquals(expected, sorted);
    }

    /**
     * Three threads' shares of random files ({@code perShare}, twice and three times as many), unsorted, and the share of
     * a thread that found nothing; every file is also added to {@code all}, in the order added.
     */
    static List<FileColumns> shares(Random r, int perShare, List<ScannedFile> all) {
        List<FileColumns> shares = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            FileColumns share = new FileColumns();
            for (int i = 0; i < perShare * (s + 1); i++) {
                ScannedFile f = file(r, s * 100_000 + i);
                all.add(f);
                share.add(f.rel(), f.size(), f.mtime(), f.inode(), mask(f.perms()));
            }
            shares.add(share); // unsorted: the list sorts each share when first looked at
        }
        shares.add(new FileColumns()); // a thread that found nothing
        return shares;
    }

    @Test
    void sharesMergeIntoOneListByPath() {
        List<ScannedFile> all = new ArrayList<>();
        List<FileColumns> shares = shares(new Random(7), 2_000, all);
        List<ScannedFile> first = new ArrayList<>(all.subList(0, 2_000));
        all.sort(Comparator.comparing(ScannedFile::rel));

        assertEquals(all, new MergedFiles(shares));
        assertEquals(all.subList(0, 10), new MergedFiles(shares).subList(0, 10));
        FileColumns single = new FileColumns();
        first.forEach(f -> single.add(f.rel(), f.size(), f.mtime(), f.inode(), mask(f.perms())));
        first.sort(Comparator.comparing(ScannedFile::rel));
        assertEquals(first, new MergedFiles(List.of(single)), "a single share, sorted too");
    }

    @Test
    void aPickedSelectionListsTheFilesAtItsPositions() {
        List<ScannedFile> files = List.of(new ScannedFile("a", 1, 1, "", ""), new ScannedFile("b", 2, 2, "", ""),
                new ScannedFile("c", 3, 3, "", ""));
        PickedFiles.Builder b = PickedFiles.of(files);
        b.add(2).add(0);
        assertEquals(List.of(files.get(2), files.get(0)), b.build());
        assertEquals(List.of(), PickedFiles.of(files).build());
    }
}
