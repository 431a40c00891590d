package io.keepwatch.state;

import java.util.ArrayList;
import java.util.List;

/**
 * Content hash to the live, non-empty files with that content, over all sources, for duplicate detection: an
 * open-addressing table of {@code (table, slot)} pairs packed in longs (8 to 16 bytes a file: at most three quarters full), keyed
 * by the hash as the tables store it ({@link HashKey}), so neither the hash nor the path is held twice. The files with
 * one content are found in the order they were added: a new entry goes after every entry of its probe run, removal
 * moves later entries back without passing each other, and growing re-inserts them in probe order.
 */
final class ContentIndex {
    private final List<LiveTable> tables;
    /** {@code (table number + 1) << 32 | slot}; 0 is an empty place. Length a power of two. */
    private long[] entries = new long[64];
    private int count;

    ContentIndex(List<LiveTable> tables) {
        this.tables = tables;
    }

    private static int spread(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static long entry(LiveTable t, int slot) {
        return (long) (t.number + 1) << 32 | slot;
    }

    private int home(long e) {
        LiveTable t = tables.get((int) (e >>> 32) - 1);
        return spread(t.hashHash((int) e)) & (entries.length - 1);
    }

    void add(LiveTable t, int slot) {
        if ((count + 1) * 4L > entries.length * 3L) {
            grow();
        }
        put(entry(t, slot));
        count++;
    }

    private void put(long e) {
        int mask = entries.length - 1;
        int i = home(e);
        while (entries[i] != 0) {
            i = (i + 1) & mask;
        }
        entries[i] = e;
    }

    private void grow() {
        long[] old = entries;
        entries = new long[old.length * 2];
        // Start after an empty place, so that a probe run that wraps around the end is re-inserted in its order.
        int start = 0;
        while (old[start] != 0) {
            start++;
        }
        for (int k = 1; k <= old.length; k++) {
            long e = old[(start + k) & (old.length - 1)];
            if (e != 0) {
                put(e);
            }
        }
    }

    /** Removes a file's entry (the slot must still hold the hash it was added with). */
    void remove(LiveTable t, int slot) {
        long e = entry(t, slot);
        int mask = entries.length - 1;
        int i = home(e);
        while (entries[i] != e) {
            if (entries[i] == 0) {
                return;
            }
            i = (i + 1) & mask;
        }
        for (int j = (i + 1) & mask; entries[j] != 0; j = (j + 1) & mask) {
            int h = home(entries[j]);
            if (i <= j ? (h <= i || h > j) : (h <= i && h > j)) {
                entries[i] = entries[j];
                i = j;
            }
        }
        entries[i] = 0;
        count--;
    }

    /** The files with content {@code key}, in the order they were added. */
    List<FileRef> find(HashKey key) {
        List<FileRef> out = new ArrayList<>(1);
        int mask = entries.length - 1;
        for (int i = spread(key.hashCode()) & mask; entries[i] != 0; i = (i + 1) & mask) {
            long e = entries[i];
            LiveTable t = tables.get((int) (e >>> 32) - 1);
            if (t.hashEquals((int) e, key)) {
                out.add(new FileRef(t.source, t.rel((int) e)));
            }
        }
        return out;
    }

    long estimatedBytes() {
        return 16 + entries.length * 8L;
    }
}
