package io.keepwatch.state;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything keepwatch knows of the backup: live files, old versions and deletions per source. Mutable,
 * and owned by the one engine thread; everything it holds is an immutable value. Keeps a derived index
 * from content hash to live files for duplicate detection, and the set of records changed since the last commit
 * (what the change log records), both updated by the same calls that change the records so they cannot disagree.
 * About 480 lines: the record maps, their two derived views and the sorted-list map that loads them in linear time;
 * making the live index compact (issue 14) is the change that should split it.
 */
public final class BackupState {
    /**
     * The state.json format this version writes. 2 added {@code save_id}, which ties the metadata index to
     * the save it was written with; a format 1 file is read as it is and written as 2 by the next save.
     */
    public static final int FORMAT = 2;

    private String hashAlgorithm;
    /** The last change log entry this state includes (0: none; see {@link ChangeLog}). */
    private long changesThrough;
    /** Live files per source, sorted by path so a folder's files are one range (see {@link #liveUnder}). */
    private final Map<String, java.util.TreeMap<String, LiveFile>> live = new HashMap<>();
    private final Map<String, Map<String, PathHistory>> history = new HashMap<>();
    private final Map<String, String> devices = new HashMap<>();
    private List<QuarantinedRecord> quarantined = List.of();
    private final Map<String, Map<String, List<FolderSpan>>> folders = new HashMap<>();
    /**
     * Content hash to the live, non-empty files with that content, in the order they were recorded. A value is
     * a {@link FileRef} when there is one file (nearly always), else a {@code FileRef[]} list whose unused
     * tail is null: a third of the memory of a multimap with a list per hash.
     */
    private HashMap<String, Object> byHash = new HashMap<>();

    /**
     * What changed since the last {@link #takeChanges} or {@link #forgetChanges}, by source: the paths whose live entry,
     * history or empty-folder spans changed, and the sources whose device was set. The change log records these.
     */
    private final Map<String, Set<String>> changedLive = new HashMap<>();
    private final Map<String, Set<String>> changedHistory = new HashMap<>();
    private final Map<String, Set<String>> changedFolders = new HashMap<>();
    private final Set<String> changedDevices = new java.util.HashSet<>();
    private int changeCount;

    public BackupState(String hashAlgorithm) {
        this.hashAlgorithm = hashAlgorithm;
    }

    /** The last change log entry this state includes (0: none). */
    public long changesThrough() {
        return changesThrough;
    }

    void setChangesThrough(long seq) {
        changesThrough = seq;
    }

    public String hashAlgorithm() {
        return hashAlgorithm;
    }

    public void setHashAlgorithm(String hashAlgorithm) {
        this.hashAlgorithm = hashAlgorithm;
    }

    public Set<String> sourceNames() {
        Set<String> names = new TreeSet<>(live.keySet());
        names.addAll(history.keySet());
        names.addAll(folders.keySet());
        return names;
    }

    public Optional<LiveFile> live(FileRef ref) {
        Map<String, LiveFile> files = live.get(ref.source());
        return files == null ? Optional.empty() : Optional.ofNullable(files.get(ref.rel()));
    }

    /** The live files of a source, by relative path (unmodifiable view). */
    public Map<String, LiveFile> liveFiles(String source) {
        Map<String, LiveFile> files = live.get(source);
        return files == null ? Map.of() : Collections.unmodifiableMap(files);
    }

    /** The live files of a source, sorted by path (unmodifiable view), for writing state.json without re-sorting. */
    public SortedMap<String, LiveFile> liveSorted(String source) {
        TreeMap<String, LiveFile> files = live.get(source);
        return Collections.unmodifiableSortedMap(files == null ? new TreeMap<>() : files);
    }

    /**
     * The live paths at {@code rel} or inside the folder {@code rel} ({@code ""} for all): a range of the
     * sorted map, so looking at one folder costs its size, not the tree's.
     */
    public java.util.Collection<String> liveUnder(String source, String rel) {
        java.util.TreeMap<String, LiveFile> files = live.get(source);
        if (files == null) {
            return List.of();
        }
        if (rel.isEmpty()) {
            return Collections.unmodifiableSet(files.keySet());
        }
        List<String> out = new java.util.ArrayList<>();
        if (files.containsKey(rel)) {
            out.add(rel);
        }
        // Every path inside "a" starts with "a/"; '0' is the character after '/', so ["a/", "a0") is exactly them.
        out.addAll(files.subMap(rel + "/", true, rel + "0", false).keySet());
        return out;
    }

    public int liveCount(String source) {
        Map<String, LiveFile> files = live.get(source);
        return files == null ? 0 : files.size();
    }

    public void putLive(FileRef ref, LiveFile file) {
        changed(changedLive, ref.source(), ref.rel());
        LiveFile old = live.computeIfAbsent(ref.source(), k -> new java.util.TreeMap<>()).put(ref.rel(), file);
        if (old != null) {
            unindex(ref, old);
        }
        index(ref, file);
    }

    /**
     * Loads a source's live files in one go (state.json's loader): {@code rels} and {@code files} in file order,
     * usually sorted, which builds the sorted map in linear time. Only for a source that has no live files yet.
     *
     * @return false, changing nothing, if a path repeats (the caller then loads the file the general way)
     */
    boolean loadLive(String source, List<String> rels, List<LiveFile> files) {
        int n = rels.size();
        if (n == 0) {
            return true;
        }
        if (live.containsKey(source)) {
            throw new IllegalStateException("source " + source + " already has live files");
        }
        boolean sorted = true;
        for (int i = 1; i < n && sorted; i++) {
            sorted = rels.get(i - 1).compareTo(rels.get(i)) < 0;
        }
        TreeMap<String, LiveFile> map;
        if (sorted) {
            map = new TreeMap<>(new SortedListsMap(rels, files));
        } else {
            map = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                if (map.put(rels.get(i), files.get(i)) != null) {
                    return false;
                }
            }
        }
        if (byHash.isEmpty()) {
            byHash = new HashMap<>(Math.max(16, (int) (n / 0.75f) + 1));
        }
        live.put(source, map);
        for (int i = 0; i < n; i++) {
            index(new FileRef(source, rels.get(i)), files.get(i));
        }
        return true;
    }

    public void removeLive(FileRef ref) {
        Map<String, LiveFile> files = live.get(ref.source());
        if (files == null) {
            return;
        }
        LiveFile old = files.remove(ref.rel());
        if (old != null) {
            changed(changedLive, ref.source(), ref.rel());
            unindex(ref, old);
        }
    }

    private void index(FileRef ref, LiveFile file) {
        if (file.size() <= 0) {
            return;
        }
        Object cur = byHash.putIfAbsent(file.hash(), ref);
        if (cur == null) {
            return;
        }
        if (cur instanceof FileRef one) {
            byHash.put(file.hash(), new FileRef[] {one, ref, null});
            return;
        }
        FileRef[] refs = (FileRef[]) cur;
        int n = count(refs);
        if (n == refs.length) {
            refs = java.util.Arrays.copyOf(refs, n * 2);
            byHash.put(file.hash(), refs);
        }
        refs[n] = ref;
    }

    private static int count(FileRef[] refs) {
        int n = 0;
        while (n < refs.length && refs[n] != null) {
            n++;
        }
        return n;
    }

    private void unindex(FileRef ref, LiveFile old) {
        if (old.size() <= 0) {
            return;
        }
        Object cur = byHash.get(old.hash());
        if (cur instanceof FileRef one) {
            if (one.equals(ref)) {
                byHash.remove(old.hash());
            }
        } else if (cur instanceof FileRef[] refs) {
            int n = count(refs);
            for (int i = 0; i < n; i++) {
                if (refs[i].equals(ref)) {
                    System.arraycopy(refs, i + 1, refs, i, n - i - 1);
                    refs[n - 1] = null;
                    if (n - 1 == 1) {
                        byHash.put(old.hash(), refs[0]);
                    }
                    break;
                }
            }
        }
    }

    /** A live, non-empty file with this content, if there is one (the first one recorded). */
    public Optional<FileRef> liveWithHash(String hash) {
        return liveWithHash(hash, r -> true);
    }

    /** The first live, non-empty file with this content that {@code usable} accepts. */
    public Optional<FileRef> liveWithHash(String hash, java.util.function.Predicate<FileRef> usable) {
        Object cur = byHash.get(hash);
        if (cur instanceof FileRef one) {
            return usable.test(one) ? Optional.of(one) : Optional.empty();
        }
        if (cur instanceof FileRef[] refs) {
            // a copy, so that the predicate may change the state (as a multimap's list would not allow either)
            for (FileRef r : refs.clone()) {
                if (r == null) {
                    break;
                }
                if (usable.test(r)) {
                    return Optional.of(r);
                }
            }
        }
        return Optional.empty();
    }

    public PathHistory history(FileRef ref) {
        Map<String, PathHistory> h = history.get(ref.source());
        return h == null ? PathHistory.EMPTY : h.getOrDefault(ref.rel(), PathHistory.EMPTY);
    }

    public void putHistory(FileRef ref, PathHistory h) {
        changed(changedHistory, ref.source(), ref.rel());
        if (h.isEmpty()) {
            Map<String, PathHistory> m = history.get(ref.source());
            if (m != null) {
                m.remove(ref.rel());
            }
        } else {
            history.computeIfAbsent(ref.source(), k -> new HashMap<>()).put(ref.rel(), h);
        }
    }

    /** The histories of a source, by relative path (unmodifiable view). */
    public Map<String, PathHistory> histories(String source) {
        return Collections.unmodifiableMap(history.getOrDefault(source, Map.of()));
    }

    /** The empty folders of a source, now and past, by relative path (unmodifiable view). */
    public Map<String, List<FolderSpan>> folders(String source) {
        return Collections.unmodifiableMap(folders.getOrDefault(source, Map.of()));
    }

    /** Sets the spans of one empty folder of a source (none removes it). */
    public void putFolder(String source, String rel, List<FolderSpan> spans) {
        changed(changedFolders, source, rel);
        if (spans.isEmpty()) {
            Map<String, List<FolderSpan>> m = folders.get(source);
            if (m != null) {
                m.remove(rel);
            }
        } else {
            folders.computeIfAbsent(source, k -> new HashMap<>()).put(rel, List.copyOf(spans));
        }
    }

    public Optional<String> device(String source) {
        return Optional.ofNullable(devices.get(source)).filter(d -> !d.isEmpty());
    }

    public void setDevice(String source, String device) {
        if (changedDevices.add(source)) {
            changeCount++;
        }
        devices.put(source, device);
    }

    private void changed(Map<String, Set<String>> changes, String source, String rel) {
        if (changes.computeIfAbsent(source, k -> new java.util.HashSet<>()).add(rel)) {
            changeCount++;
        }
    }

    /** How many records changed since the changes were last taken or forgotten. */
    public int changeCount() {
        return changeCount;
    }

    /** Forgets what changed (the state is now on disk as it is: loaded, or written whole). */
    public void forgetChanges() {
        changedLive.clear();
        changedHistory.clear();
        changedFolders.clear();
        changedDevices.clear();
        changeCount = 0;
    }

    /**
     * The records that changed since the changes were last taken or forgotten, as they are now, by source: a live
     * entry, a history or an empty folder's spans that is gone is {@code null}; {@code device} is null unless it was
     * set. Forgets them.
     */
    public Map<String, SourceState> takeChanges() {
        Set<String> sources = new java.util.TreeSet<>(changedDevices);
        sources.addAll(changedLive.keySet());
        sources.addAll(changedHistory.keySet());
        sources.addAll(changedFolders.keySet());
        Map<String, SourceState> out = new java.util.TreeMap<>();
        for (String source : sources) {
            Map<String, LiveFile> files = new java.util.TreeMap<>();
            Map<String, LiveFile> lives = live.getOrDefault(source, new java.util.TreeMap<>());
            changedLive.getOrDefault(source, Set.of()).forEach(rel -> files.put(rel, lives.get(rel)));
            Map<String, PathHistory> histories = new java.util.TreeMap<>();
            Map<String, PathHistory> hs = history.getOrDefault(source, Map.of());
            changedHistory.getOrDefault(source, Set.of()).forEach(rel -> histories.put(rel, hs.get(rel)));
            Map<String, List<FolderSpan>> spans = new java.util.TreeMap<>();
            Map<String, List<FolderSpan>> fs = folders.getOrDefault(source, Map.of());
            changedFolders.getOrDefault(source, Set.of()).forEach(rel -> spans.put(rel, fs.get(rel)));
            out.put(source, new SourceState(changedDevices.contains(source) ? devices.getOrDefault(source, "") : null,
                    files, histories, spans));
        }
        forgetChanges();
        return out;
    }

    Map<String, String> devices() {
        return devices;
    }

    /** Total number of live files over all sources. */
    /** The records of state.json set aside as unclean when it was read (see {@link QuarantinedRecord}); never acted on. */
    public List<QuarantinedRecord> quarantined() {
        return quarantined;
    }

    void setQuarantined(List<QuarantinedRecord> records) {
        quarantined = List.copyOf(records);
    }

    public int totalLive() {
        return live.values().stream().mapToInt(Map::size).sum();
    }

    /**
     * Two lists already sorted by key, seen as a read-only sorted map so that {@code new TreeMap<>(m)} builds in
     * linear time (the copy constructor reads only the comparator, the size and the entries in order).
     */
    static final class SortedListsMap extends AbstractMap<String, LiveFile> implements SortedMap<String, LiveFile> {
        private final List<String> keys;
        private final List<LiveFile> values;

        SortedListsMap(List<String> keys, List<LiveFile> values) {
            this.keys = keys;
            this.values = values;
        }

        @Override
        public Set<Map.Entry<String, LiveFile>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, LiveFile>> iterator() {
                    return new Iterator<>() {
                        private int i;

                        @Override
                        public boolean hasNext() {
                            return i < keys.size();
                        }

                        @Override
                        public Map.Entry<String, LiveFile> next() {
                            int k = i++;
                            return new AbstractMap.SimpleImmutableEntry<>(keys.get(k), values.get(k));
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.size();
                }
            };
        }

        @Override
        public int size() {
            return keys.size();
        }

        @Override
        public Comparator<? super String> comparator() {
            return null;
        }

        @Override
        public SortedMap<String, LiveFile> subMap(String fromKey, String toKey) {
            if (fromKey.compareTo(toKey) > 0) {
                throw new IllegalArgumentException("fromKey " + fromKey + " > toKey " + toKey);
            }
            return slice(indexOf(fromKey), indexOf(toKey));
        }

        @Override
        public SortedMap<String, LiveFile> headMap(String toKey) {
            return slice(0, indexOf(toKey));
        }

        @Override
        public SortedMap<String, LiveFile> tailMap(String fromKey) {
            return slice(indexOf(fromKey), keys.size());
        }

        /** Where {@code key} is, or would be inserted. */
        private int indexOf(String key) {
            int i = Collections.binarySearch(keys, java.util.Objects.requireNonNull(key, "key"));
            return i >= 0 ? i : -i - 1;
        }

        private SortedListsMap slice(int from, int to) {
            return new SortedListsMap(keys.subList(from, to), values.subList(from, to));
        }

        @Override
        public String firstKey() {
            if (keys.isEmpty()) {
                throw new java.util.NoSuchElementException("empty map");
            }
            return keys.get(0);
        }

        @Override
        public String lastKey() {
            if (keys.isEmpty()) {
                throw new java.util.NoSuchElementException("empty map");
            }
            return keys.get(keys.size() - 1);
        }
    }
}
