package io.keepwatch.state;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * Everything keepwatch knows of the backup: live files, old versions and deletions per source. Mutable,
 * and owned by the one engine thread. The live files are held compactly, one {@link LiveTable} per source (columns of
 * numbers, not a record per file; see docs/design.md), and given out as {@link LiveFile} records made on demand;
 * histories and empty folders, which few paths have, are maps of immutable records. Keeps a derived index from content
 * hash to live files for duplicate detection ({@link ContentIndex}), and the set of records changed since the last
 * commit (what the change log records), both updated by the same calls that change the records so they cannot disagree.
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
    /** Live files per source, in the compact form of {@link LiveTable}; {@link #tables} numbers them. */
    private final Map<String, LiveTable> live = new HashMap<>();
    private final List<LiveTable> tables = new java.util.ArrayList<>();
    private final LiveCodec codec = new LiveCodec();
    /** Content hash to the live, non-empty files with that content, in the order they were recorded. */
    private final ContentIndex byHash = new ContentIndex(tables);
    private boolean hashIndexed;
    /** The row {@link #putLive} encodes a record into before storing it (one thread changes a state). */
    private final LiveTable.Row scratch = new LiveTable.Row();
    private final Map<String, Map<String, PathHistory>> history = new HashMap<>();
    private final Map<String, String> devices = new HashMap<>();
    private List<QuarantinedRecord> quarantined = List.of();
    private final Map<String, Map<String, List<FolderSpan>>> folders = new HashMap<>();

    /**
     * What changed since the last {@link #takeChanges} or {@link #forgetChanges}, by source: the paths whose live entry,
     * history or empty-folder spans changed, and the sources whose device was set. The change log records these.
     */
    private final Map<String, Set<String>> changedLive = new HashMap<>();
    private final Map<String, Set<String>> changedHistory = new HashMap<>();
    private final Map<String, Set<String>> changedFolders = new HashMap<>();
    private final Set<String> changedDevices = new java.util.HashSet<>();
    /** Holds only some of the live files (see {@link StateStore#loadPart}): never written whole. */
    private boolean partial;
    private int changeCount;

    public BackupState(String hashAlgorithm) {
        this.hashAlgorithm = hashAlgorithm;
    }

    /** Whether this state holds only some of the live files ({@link StateStore#loadPart}): it is never saved whole. */
    public boolean partial() {
        return partial;
    }

    void markPartial() {
        partial = true;
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
        LiveTable t = live.get(ref.source());
        int slot = t == null ? -1 : t.slotOf(ref.rel());
        return slot < 0 ? Optional.empty() : Optional.of(t.file(slot));
    }

    /** The live files of a source, by relative path (unmodifiable view; its records are made as they are read). */
    public Map<String, LiveFile> liveFiles(String source) {
        return new LiveView(live.get(source));
    }

    /** The live files of a source, sorted by path (unmodifiable view), for writing state.json without re-sorting. */
    public SortedMap<String, LiveFile> liveSorted(String source) {
        return new LiveView(live.get(source));
    }

    /** A walk over the live files of a source in path order, comparing them with a scan's in place (no record per file). */
    public LiveCursor liveCursor(String source) {
        return new LiveCursor(live.get(source));
    }

    /**
     * The live paths at {@code rel} or inside the folder {@code rel} ({@code ""} for all): a range of the
     * sorted order, so looking at one folder costs its size, not the tree's.
     */
    public java.util.Collection<String> liveUnder(String source, String rel) {
        LiveTable t = live.get(source);
        return t == null ? List.of() : t.under(rel);
    }

    public int liveCount(String source) {
        LiveTable t = live.get(source);
        return t == null ? 0 : t.size();
    }

    /** The live table of a source, made if it has none. */
    LiveTable table(String source) {
        return live.computeIfAbsent(source, s -> {
            LiveTable t = new LiveTable(tables.size(), s, codec);
            tables.add(t);
            return t;
        });
    }

    public void putLive(FileRef ref, LiveFile file) {
        changed(changedLive, ref.source(), ref.rel());
        LiveTable t = table(ref.source());
        replayLive(t, ref.rel(), t.encode(file, scratch));
    }

    /**
     * Sets the live file at {@code rel} to {@code row} (already encoded), as a change log entry being replayed says it
     * is: not counted as a change (the state loaded is then as the log has it).
     */
    void replayLive(LiveTable t, String rel, LiveTable.Row row) {
        int slot = t.slotOf(rel);
        if (slot >= 0) {
            if (hashIndexed && t.fileSize(slot) > 0) {
                byHash.remove(t, slot);
            }
            t.set(slot, row);
        } else {
            slot = t.insert(rel, row);
        }
        if (hashIndexed && row.size > 0) {
            byHash.add(t, slot);
        }
    }

    /**
     * Adds one live file as state.json's reader reads it (already encoded): not counted as a change.
     *
     * @return false, changing nothing, if the source already has a file at {@code rel}
     */
    boolean loadLive(LiveTable t, String rel, LiveTable.Row row) {
        int slot = t.load(rel, row);
        if (slot < 0) {
            return false;
        }
        if (hashIndexed && row.size > 0) {
            byHash.add(t, slot);
        }
        return true;
    }

    /** The codec of this state's live files, for state.json's reader to encode values with. */
    LiveCodec codec() {
        return codec;
    }

    /**
     * The content-hash index, made when first asked for: a start-up whose passes find nothing new never needs it. Made
     * in table and slot order, which for a state just read is state.json's order.
     */
    private ContentIndex byHash() {
        if (!hashIndexed) {
            hashIndexed = true;
            for (LiveTable t : tables) {
                t.forEachSlot(slot -> {
                    if (t.fileSize(slot) > 0) {
                        byHash.add(t, slot);
                    }
                });
            }
        }
        return byHash;
    }

    public void removeLive(FileRef ref) {
        LiveTable t = live.get(ref.source());
        int slot = t == null ? -1 : t.slotOf(ref.rel());
        if (slot < 0) {
            return;
        }
        changed(changedLive, ref.source(), ref.rel());
        if (hashIndexed && t.fileSize(slot) > 0) {
            byHash.remove(t, slot);
        }
        t.remove(slot);
    }

    /** A live, non-empty file with this content, if there is one (the first one recorded). */
    public Optional<FileRef> liveWithHash(String hash) {
        return liveWithHash(hash, r -> true);
    }

    /** The first live, non-empty file with this content that {@code usable} accepts. */
    public Optional<FileRef> liveWithHash(String hash, java.util.function.Predicate<FileRef> usable) {
        // The refs are a list of their own, so that the predicate may change the state.
        for (FileRef r : byHash().find(keyOf(hash))) {
            if (usable.test(r)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    private HashKey keyOf(String hash) {
        long[] w = new long[4];
        int c = codec.encodeHash(hash, w, 0);
        return new HashKey(c, c == 0 ? hash : null, w);
    }

    /**
     * A copy of a source's live files that does not change with this state (for a snapshot written on another
     * thread); a copy of the compact arrays, not of records.
     */
    SortedMap<String, LiveFile> liveCopy(String source) {
        LiveTable t = live.get(source);
        return new LiveView(t == null ? null : t.copy());
    }

    /** Bytes the live files' store holds, estimated from its arrays and strings (see docs/design.md). */
    long estimatedLiveBytes() {
        long bytes = byHash().estimatedBytes();
        for (LiveTable t : tables) {
            bytes += t.estimatedBytes();
        }
        return bytes;
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
            Map<String, LiveFile> lives = liveFiles(source);
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

    /** The records of state.json set aside as unclean when it was read (see {@link QuarantinedRecord}); never acted on. */
    public List<QuarantinedRecord> quarantined() {
        return quarantined;
    }

    void setQuarantined(List<QuarantinedRecord> records) {
        quarantined = List.copyOf(records);
    }

    /** Total number of live files over all sources. */
    public int totalLive() {
        return live.values().stream().mapToInt(LiveTable::size).sum();
    }
}
