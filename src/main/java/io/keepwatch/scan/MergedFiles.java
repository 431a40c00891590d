package io.keepwatch.scan;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The files found by the threads of one scan, each thread's share in {@link FileColumns}, as one list sorted by path.
 * The shares are sorted (each on a thread of its own) and merged on the first look at an element, not before: a pass
 * that finds nothing changed compares only the scan's fingerprint and its size, and never needs the order (sorting the
 * 200,000 paths of data set B was most of the Java time of the service's start-up scans: docs/benchmarks.md). Each
 * element is a new {@link ScannedFile} made from the columns when it is asked for. Read-only.
 */
final class MergedFiles extends AbstractList<ScannedFile> implements RandomAccess {
    private final FileColumns[] shares;
    /** Where each share's entries begin in the numbering of all of them (share after share). */
    private final int[] base;
    private final int size;
    /** By path, the number (as in {@link #base}) of each entry; for a single share, its own order. */
    private volatile int[] merged;

    /** {@code shares}: no longer changed by anyone; sorted here when first needed. */
    MergedFiles(List<FileColumns> shares) {
        this.shares = shares.toArray(new FileColumns[0]);
        this.base = new int[this.shares.length + 1];
        for (int k = 0; k < this.shares.length; k++) {
            base[k + 1] = base[k] + this.shares[k].size();
        }
        this.size = base[this.shares.length];
    }

    /**
     * The threads' shares, each sorted by path (on threads of their own, as {@link #merge} sorts them), for
     * {@link RunCut}, which needs no merged order.
     */
    synchronized List<FileColumns> sortedShares() {
        if (shares.length == 1) {
            shares[0].sort();
        } else {
            java.util.Arrays.stream(shares).parallel().forEach(FileColumns::sort);
        }
        return List.of(shares);
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public ScannedFile get(int index) {
        java.util.Objects.checkIndex(index, size);
        int id = merged()[index];
        if (shares.length == 1) {
            return shares[0].file(id);
        }
        int k = 0;
        while (id >= base[k + 1]) {
            k++;
        }
        return shares[k].file(shares[k].sorted(id - base[k]));
    }

    private int[] merged() {
        int[] m = merged;
        if (m == null) {
            synchronized (this) {
                m = merged;
                if (m == null) {
                    m = merge();
                    merged = m;
                }
            }
        }
        return m;
    }

    private int[] merge() {
        if (shares.length == 1) {
            shares[0].sort();
            return shares[0].order();
        }
        java.util.Arrays.stream(shares).parallel().forEach(FileColumns::sort);
        int[] out = new int[size];
        int[] next = new int[shares.length];
        for (int i = 0; i < size; i++) {
            int best = -1;
            for (int k = 0; k < shares.length; k++) {
                if (next[k] < shares[k].size() && (best < 0 || FileColumns.compare(shares[k], shares[k].sorted(next[k]),
                        shares[best], shares[best].sorted(next[best])) < 0)) {
                    best = k;
                }
            }
            out[i] = base[best] + next[best]++;
        }
        return out;
    }
}
