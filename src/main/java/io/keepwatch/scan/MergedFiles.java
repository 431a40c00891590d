package io.keepwatch.scan;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * The files found by the threads of one scan, each thread's share sorted by path, as one list sorted by path.
 * The shares are merged on the first look at an element, not before: a pass that finds nothing changed
 * compares only the scan's fingerprint and its size, and never needs the order. Read-only.
 */
final class MergedFiles extends AbstractList<ScannedFile> implements RandomAccess {
    private final List<List<ScannedFile>> shares;
    private final int size;
    private volatile ScannedFile[] merged;

    /** {@code shares}: lists each sorted by path, no longer changed by anyone. */
    MergedFiles(List<List<ScannedFile>> shares) {
        this.shares = List.copyOf(shares);
        this.size = shares.stream().mapToInt(List::size).sum();
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public ScannedFile get(int index) {
        return merged()[index];
    }

    private ScannedFile[] merged() {
        ScannedFile[] m = merged;
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

    private ScannedFile[] merge() {
        ScannedFile[] out = new ScannedFile[size];
        int[] next = new int[shares.size()];
        for (int i = 0; i < size; i++) {
            int best = -1;
            for (int k = 0; k < shares.size(); k++) {
                List<ScannedFile> l = shares.get(k);
                if (next[k] < l.size() && (best < 0
                        || ScannedFile.BY_PATH.compare(l.get(next[k]), shares.get(best).get(next[best])) < 0)) {
                    best = k;
                }
            }
            out[i] = shares.get(best).get(next[best]++);
        }
        return out;
    }
}
