package io.keepwatch.scan;

import io.keepwatch.fs.PermissionText;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The files one scan thread found, in columns rather than one {@link ScannedFile} record each: the path and file key
 * as bytes in a few large pages, size and mtime in {@code long} arrays, the permission bits as a number. A record is
 * made only when one is asked for ({@link #file}), and dies young.
 *
 * <p>Why: the service's start-up scan runs beside the loading of the state (ea10473). A million records with two
 * strings each (about 170 MB on data set C) were promoted into the same old regions as the state's long-lived
 * objects, and once the reconciliation had used them they were garbage that G1 could neither free at the end of
 * marking (the regions were not empty) nor shrink the heap past: the service sat at 800 MB at rest. In columns a
 * scan's files are about 70 bytes each, in a few dozen arrays.
 *
 * <p>A path and file key made only of ASCII are kept one byte a character; any other is kept as UTF-16 (two bytes a
 * character), so every string comes back exactly as it was, unpaired surrogates included. {@link #sort} orders the
 * files by path as {@link String#compareTo} does. Not safe for use by several threads while it is being filled.
 */
final class FileColumns {
    private static final int FIRST_PAGE = 4 << 10;
    private static final int MAX_PAGE = 1 << 20;
    /** Marks a wide (UTF-16) entry in {@link #relLen}. */
    private static final int WIDE = 1 << 31;
    private static final short NO_PERMS = -1;

    private final List<byte[]> pages = new ArrayList<>();
    private byte[] page = new byte[0];
    private int pageUsed;
    /** Where each entry's bytes begin: page number (high 32 bits) and offset in it (low 32 bits). */
    private long[] at = new long[16];
    /** The path's length in characters, with {@link #WIDE} set for a UTF-16 entry. */
    private int[] relLen = new int[16];
    private int[] inodeLen = new int[16];
    private long[] size = new long[16];
    private long[] mtime = new long[16];
    /** The permission bits ({@link PermissionText#mask}), or {@link #NO_PERMS} for none. */
    private short[] perms = new short[16];
    private int count;
    /** The entries by path once {@link #sort} has run. */
    private int[] order;

    int size() {
        return count;
    }

    /** Adds a file; {@code permsMask} is its permission bits ({@link PermissionText#mask}), or -1 for none. */
    void add(String rel, long fileSize, long fileMtime, String inode, int permsMask) {
        if (count == at.length) {
            int capacity = count + (count >> 1);
            at = Arrays.copyOf(at, capacity);
            relLen = Arrays.copyOf(relLen, capacity);
            inodeLen = Arrays.copyOf(inodeLen, capacity);
            size = Arrays.copyOf(size, capacity);
            mtime = Arrays.copyOf(mtime, capacity);
            perms = Arrays.copyOf(perms, capacity);
        }
        boolean wide = !ascii(rel) || !ascii(inode);
        int bytes = (rel.length() + inode.length()) * (wide ? 2 : 1);
        if (page.length - pageUsed < bytes) {
            newPage(bytes);
        }
        at[count] = ((long) (pages.size() - 1) << 32) | pageUsed;
        pageUsed = put(rel, wide, pageUsed);
        pageUsed = put(inode, wide, pageUsed);
        relLen[count] = rel.length() | (wide ? WIDE : 0);
        inodeLen[count] = inode.length();
        size[count] = fileSize;
        mtime[count] = fileMtime;
        perms[count] = permsMask < 0 ? NO_PERMS : (short) permsMask;
        count++;
        order = null;
    }

    private void newPage(int atLeast) {
        int length = Math.max(atLeast, Math.min(MAX_PAGE, Math.max(FIRST_PAGE, page.length * 2)));
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

    /** The file at position {@code i} in the order added, as a new record. */
    ScannedFile file(int i) {
        return new ScannedFile(rel(i), size[i], mtime[i], inode(i),
                perms[i] == NO_PERMS ? "" : PermissionText.ofMask(perms[i]));
    }

    String rel(int i) {
        return text(i, 0, relLen[i] & ~WIDE);
    }

    private String inode(int i) {
        return text(i, relLen[i] & ~WIDE, inodeLen[i]);
    }

    /** {@code chars} characters of entry {@code i}, from its {@code skip}th. */
    private String text(int i, int skip, int chars) {
        byte[] p = pages.get((int) (at[i] >>> 32));
        int start = (int) at[i];
        if ((relLen[i] & WIDE) == 0) {
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
        if (((x.relLen[a] | y.relLen[b]) & WIDE) != 0) {
            return x.rel(a).compareTo(y.rel(b)); // rare: a name that is not ASCII
        }
        byte[] pa = x.pages.get((int) (x.at[a] >>> 32));
        byte[] pb = y.pages.get((int) (y.at[b] >>> 32));
        int ia = (int) x.at[a];
        int ib = (int) y.at[b];
        int la = x.relLen[a];
        int lb = y.relLen[b];
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
}
