package io.keepwatch.scan;

import io.keepwatch.fs.PermissionText;
import io.keepwatch.state.Fingerprint;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The files one scan thread found, in columns rather than one {@link ScannedFile} record each: the path and file key
 * as bytes in large pages, size, mtime, where the text lies and the permission bits, and the file's fingerprint hash
 * ({@link Fingerprint}) as six longs an entry in large blocks. A record is made only when one is asked for
 * ({@link #file}), and dies young; the fingerprint of a run of entries is a sum of their hashes ({@link RunCut}).
 *
 * <p>Why: the service's start-up scan runs beside the loading of the state (ea10473). A million records with two
 * strings each (about 170 MB on data set C) were promoted into the same old regions as the state's long-lived
 * objects; once the reconciliation had used them they were garbage in regions that were not empty, which G1 neither
 * frees at the end of its marking nor collects while under 5% of the heap or in a region more than 85% live, and it
 * sizes the heap from the regions in use (at most 30% free, the launcher's MaxHeapFreeRatio): the service sat at
 * 800 MB at rest where its live data was 256 MB. In columns a file takes about 75 bytes, and pages and blocks (after
 * the first few, smaller ones) are arrays of 4 MiB: G1 allocates such an array in regions of its own (a "humongous"
 * object, with regions of up to 8 MB, that is a heap of up to 16 GB) and frees those whole as soon as the scan is
 * dropped, without copying or mixing them with anything.
 *
 * <p>A path and file key made only of ASCII are kept one byte a character; any other is kept as UTF-16 (two bytes a
 * character), so every string comes back exactly as it was, unpaired surrogates included. {@link #sort} orders the
 * files by path as {@link String#compareTo} does. Not safe for use by several threads while it is being filled.
 */
final class FileColumns {
    /** 4 MiB with the array's 16-byte header: exactly a power-of-two number of G1 regions of up to 4 MB. */
    private static final int BIG = (4 << 20) - 16;
    private static final int FIRST_PAGE = 4 << 10;
    /** The longs of an entry: size, mtime, where its text is, lengths, and its fingerprint hash (two longs). */
    private static final int STRIDE = 6;
    private static final int BLOCK_ENTRIES = BIG / 8 / STRIDE;
    /** Marks a wide (UTF-16) entry in its lengths. */
    private static final long WIDE = 1L << 63;
    /** The permission code of a file without permission bits (0..511 are {@link PermissionText#mask}s). */
    private static final int NO_PERMS = 512;

    private final List<byte[]> pages = new ArrayList<>();
    private byte[] page = new byte[0];
    private int pageUsed;
    /**
     * Entry i is at {@code STRIDE * (i % BLOCK_ENTRIES)} in block {@code i / BLOCK_ENTRIES}: its size, its mtime, where
     * its text is (page number in bits 63-42, permission code in 41-32, offset in the page in 31-0) and its lengths
     * (of the path in characters in bits 62-32, with {@link #WIDE}, and of the file key in 31-0). The first block
     * grows until it is full size; the others are made full size.
     */
    private final List<long[]> blocks = new ArrayList<>(List.of(new long[16 * STRIDE]));
    private int count;
    /** The entries by path once {@link #sort} has run. */
    private int[] order;
    /** The fingerprint of the entries; each entry's hash is kept in its last two longs. */
    private final Fingerprint.Builder prints = new Fingerprint.Builder();

    int size() {
        return count;
    }

    /** Adds a file; {@code permsMask} is its permission bits ({@link PermissionText#mask}), or -1 for none. */
    void add(String rel, long fileSize, long fileMtime, String inode, int permsMask) {
        int b = count / BLOCK_ENTRIES;
        if (b == blocks.size()) {
            blocks.add(new long[BLOCK_ENTRIES * STRIDE]);
        } else if (b == 0 && count * STRIDE == blocks.get(0).length) {
            blocks.set(0, Arrays.copyOf(blocks.get(0), Math.min(BLOCK_ENTRIES, count * 2) * STRIDE));
        }
        boolean wide = !ascii(rel) || !ascii(inode);
        int bytes = (rel.length() + inode.length()) * (wide ? 2 : 1);
        if (pages.isEmpty() || page.length - pageUsed < bytes) {
            newPage(bytes);
        }
        long[] block = blocks.get(b);
        int e = (count % BLOCK_ENTRIES) * STRIDE;
        block[e] = fileSize;
        block[e + 1] = fileMtime;
        block[e + 2] = ((long) (pages.size() - 1) << 42) | ((long) (permsMask < 0 ? NO_PERMS : permsMask) << 32) | pageUsed;
        block[e + 3] = (wide ? WIDE : 0) | ((long) rel.length() << 32) | inode.length();
        prints.add(rel, fileSize, fileMtime, inode, permsMask < 0 ? "" : PermissionText.ofMask(permsMask));
        block[e + 4] = prints.entryA();
        block[e + 5] = prints.entryB();
        pageUsed = put(rel, wide, pageUsed);
        pageUsed = put(inode, wide, pageUsed);
        count++;
        order = null;
    }

    private void newPage(int atLeast) {
        int length = Math.max(atLeast, Math.min(BIG, Math.max(FIRST_PAGE, page.length * 2)));
        page = new byte[length];
        pages.add(page);
        pageUsed = 0;
    }

    private static boolean ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private int put(String s, boolean wide, int offset) {
        int o = offset;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (wide) {
                page[o++] = (byte) (c >>> 8);
            }
            page[o++] = (byte) c;
        }
        return o;
    }

    /** The fingerprint of every entry ({@link Fingerprint}: the same as adding each file to a builder). */
    Fingerprint fingerprint() {
        return prints.build();
    }

    /** Adds the hash of entry {@code i} (in the order added) to {@code to}: as adding the file itself would. */
    void addHashTo(int i, Fingerprint.Builder to) {
        to.addHashed(word(i, 4), word(i, 5));
    }

    /**
     * Compares the path of entry {@code i} (in the order added) with {@code path} as {@link String#compareTo} does,
     * without making a string of it.
     */
    int compareRelTo(int i, String path) {
        long lengths = word(i, 3);
        if ((lengths & WIDE) != 0) {
            return rel(i).compareTo(path);
        }
        long where = word(i, 2);
        byte[] p = pageOf(where);
        int start = offsetOf(where);
        int length = relLength(lengths);
        int n = Math.min(length, path.length());
        for (int k = 0; k < n; k++) {
            int d = (p[start + k] & 0xff) - path.charAt(k);
            if (d != 0) {
                return d;
            }
        }
        return length - path.length();
    }

    private long word(int i, int k) {
        return blocks.get(i / BLOCK_ENTRIES)[(i % BLOCK_ENTRIES) * STRIDE + k];
    }

    private byte[] pageOf(long where) {
        return pages.get((int) (where >>> 42));
    }

    private static int offsetOf(long where) {
        return (int) where;
    }

    private static int relLength(long lengths) {
        return (int) ((lengths & ~WIDE) >>> 32);
    }

    /** The file at position {@code i} in the order added, as a new record. */
    ScannedFile file(int i) {
        long where = word(i, 2);
        int perms = (int) (where >>> 32) & 0x3ff;
        long lengths = word(i, 3);
        return new ScannedFile(text(where, lengths, 0, relLength(lengths)), word(i, 0), word(i, 1),
                text(where, lengths, relLength(lengths), (int) lengths), perms == NO_PERMS ? "" : PermissionText.ofMask(perms));
    }

    String rel(int i) {
        long lengths = word(i, 3);
        return text(word(i, 2), lengths, 0, relLength(lengths));
    }

    /** {@code chars} characters of the entry at {@code where}, from its {@code skip}th. */
    private String text(long where, long lengths, int skip, int chars) {
        byte[] p = pageOf(where);
        int start = offsetOf(where);
        if ((lengths & WIDE) == 0) {
            return new String(p, start + skip, chars, StandardCharsets.ISO_8859_1);
        }
        char[] c = new char[chars];
        int o = start + 2 * skip;
        for (int k = 0; k < chars; k++, o += 2) {
            c[k] = (char) (((p[o] & 0xff) << 8) | (p[o + 1] & 0xff));
        }
        return new String(c);
    }

    /** Compares the paths of entries {@code a} and {@code b} as {@link String#compareTo} compares them. */
    int compareRel(int a, int b) {
        return compare(this, a, this, b);
    }

    /** Compares the path of {@code x}'s entry {@code a} with that of {@code y}'s entry {@code b}, as {@link #compareRel}. */
    static int compare(FileColumns x, int a, FileColumns y, int b) {
        long lengthsA = x.word(a, 3);
        long lengthsB = y.word(b, 3);
        if (((lengthsA | lengthsB) & WIDE) != 0) {
            return x.rel(a).compareTo(y.rel(b)); // rare: a name that is not ASCII
        }
        long whereA = x.word(a, 2);
        long whereB = y.word(b, 2);
        byte[] pa = x.pageOf(whereA);
        byte[] pb = y.pageOf(whereB);
        int ia = offsetOf(whereA);
        int ib = offsetOf(whereB);
        int la = relLength(lengthsA);
        int lb = relLength(lengthsB);
        int d = Arrays.mismatch(pa, ia, ia + la, pb, ib, ib + lb);
        if (d < 0) {
            return 0;
        }
        return d < la && d < lb ? (pa[ia + d] & 0xff) - (pb[ib + d] & 0xff) : la - lb;
    }

    /** Sorts the entries by path (the order {@link #sorted} then gives); a stable merge sort of their positions. */
    void sort() {
        if (order != null) {
            return;
        }
        int[] o = new int[count];
        for (int i = 0; i < count; i++) {
            o[i] = i;
        }
        int[] tmp = new int[count];
        for (int width = 1; width < count; width *= 2) {
            for (int lo = 0; lo < count; lo += 2 * width) {
                int mid = Math.min(lo + width, count);
                int hi = Math.min(lo + 2 * width, count);
                int i = lo;
                int j = mid;
                int k = lo;
                while (i < mid && j < hi) {
                    tmp[k++] = compareRel(o[j], o[i]) < 0 ? o[j++] : o[i++];
                }
                while (i < mid) {
                    tmp[k++] = o[i++];
                }
                while (j < hi) {
                    tmp[k++] = o[j++];
                }
            }
            int[] swap = o;
            o = tmp;
            tmp = swap;
        }
        order = o;
    }

    /** The position (in the order added) of the {@code k}th entry by path; {@link #sort} has run. */
    int sorted(int k) {
        return order[k];
    }

    /** The positions (in the order added) of the entries by path; {@link #sort} has run. Not to be changed. */
    int[] order() {
        return order;
    }
}
