package io.keepwatch.state;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;

/**
 * A read-only sorted map over one source's {@link LiveTable} (or a key range of it), by relative path: what
 * {@link BackupState#liveFiles} and {@link BackupState#liveSorted} give. Lookups go to the table; iteration walks its
 * path order and makes each {@link LiveFile} as it comes. A file added or removed while iterating ends the iteration
 * with a {@link ConcurrentModificationException}, as a tree map's would.
 */
final class LiveView extends AbstractMap<String, LiveFile> implements SortedMap<String, LiveFile> {
    private final LiveTable table;
    /** The range, {@code from} inclusive, {@code to} exclusive; null: unbounded. */
    private final String from;
    private final String to;

    LiveView(LiveTable table) {
        this(table, null, null);
    }

    private LiveView(LiveTable table, String from, String to) {
        this.table = table;
        this.from = from;
        this.to = to;
    }

    private boolean inRange(String key) {
        return (from == null || key.compareTo(from) >= 0) && (to == null || key.compareTo(to) < 0);
    }

    private int start() {
        return table == null ? 0 : from == null ? 0 : table.lowerBound(from);
    }

    private int end() {
        return table == null ? 0 : to == null ? table.orderLength() : table.lowerBound(to);
    }

    /** Adds every file of this view to a fingerprint ({@link Fingerprint.Builder#add}), without making its record. */
    void addTo(Fingerprint.Builder fp) {
        forEachEntry(fp::add);
    }

    /** Hands every file's fingerprinted fields to {@code sink}, without making its record. */
    void forEachEntry(Fingerprint.Sink sink) {
        if (from == null && to == null) {
            if (table != null) {
                table.forEachEntry(sink);
            }
            return;
        }
        forEach((rel, f) -> sink.accept(rel, f.size(), f.mtime(), f.inode(), f.perms()));
    }

    @Override
    public LiveFile get(Object key) {
        if (table == null || !(key instanceof String rel) || !inRange(rel)) {
            return null;
        }
        int slot = table.slotOf(rel);
        return slot < 0 ? null : table.file(slot);
    }

    @Override
    public boolean containsKey(Object key) {
        return table != null && key instanceof String rel && inRange(rel) && table.slotOf(rel) >= 0;
    }

    @Override
    public int size() {
        if (table == null) {
            return 0;
        }
        return from == null && to == null ? table.size() : Math.max(0, end() - start());
    }

    @Override
    public Set<Map.Entry<String, LiveFile>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Map.Entry<String, LiveFile>> iterator() {
                return new Walk<>() {
                    @Override
                    Map.Entry<String, LiveFile> make(int slot) {
                        return new AbstractMap.SimpleImmutableEntry<>(table.rel(slot), table.file(slot));
                    }
                };
            }

            @Override
            public int size() {
                return LiveView.this.size();
            }
        };
    }

    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<String> iterator() {
                return new Walk<>() {
                    @Override
                    String make(int slot) {
                        return table.rel(slot);
                    }
                };
            }

            @Override
            public int size() {
                return LiveView.this.size();
            }

            @Override
            public boolean contains(Object o) {
                return containsKey(o);
            }
        };
    }

    /** Walks the range in path order. */
    private abstract class Walk<T> implements Iterator<T> {
        private final int[] order = table == null ? new int[0] : table.order();
        private final int end = end();
        private int pos = start();
        private final int mod = table == null ? 0 : table.modCount();

        abstract T make(int slot);

        @Override
        public boolean hasNext() {
            return pos < end;
        }

        @Override
        public T next() {
            if (pos >= end) {
                throw new NoSuchElementException();
            }
            if (table.modCount() != mod) {
                throw new ConcurrentModificationException("live files of " + table.source + " changed while being read");
            }
            return make(order[pos++]);
        }
    }

    @Override
    public java.util.Comparator<? super String> comparator() {
        return null;
    }

    @Override
    public SortedMap<String, LiveFile> subMap(String fromKey, String toKey) {
        if (fromKey.compareTo(toKey) > 0) {
            throw new IllegalArgumentException("fromKey " + fromKey + " > toKey " + toKey);
        }
        return new LiveView(table, max(from, fromKey), min(to, toKey));
    }

    @Override
    public SortedMap<String, LiveFile> headMap(String toKey) {
        return new LiveView(table, from, min(to, toKey));
    }

    @Override
    public SortedMap<String, LiveFile> tailMap(String fromKey) {
        return new LiveView(table, max(from, fromKey), to);
    }

    private static String max(String a, String b) {
        return a == null ? b : a.compareTo(b) >= 0 ? a : b;
    }

    private static String min(String a, String b) {
        return a == null ? b : a.compareTo(b) <= 0 ? a : b;
    }

    @Override
    public String firstKey() {
        int s = start();
        if (s >= end()) {
            throw new NoSuchElementException("empty map");
        }
        return table.rel(table.order()[s]);
    }

    @Override
    public String lastKey() {
        int e = end();
        if (start() >= e) {
            throw new NoSuchElementException("empty map");
        }
        return table.rel(table.order()[e - 1]);
    }
}
