package io.keepwatch.state;

import com.google.common.collect.ArrayListMultimap;
import com.google.common.collect.ListMultimap;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything keepwatch knows of the backup: live files, old versions and deletions per source. Mutable,
 * and owned by the one engine thread; everything it holds is an immutable value. Keeps a derived index
 * from content hash to live files for duplicate detection, updated by the same calls that change the
 * live entries so the two cannot disagree.
 */
public final class BackupState {
    /** The state.json format this version writes. */
    public static final int FORMAT = 1;

    private String hashAlgorithm;
    /** Live files per source, sorted by path so a folder's files are one range (see {@link #liveUnder}). */
    private final Map<String, java.util.TreeMap<String, LiveFile>> live = new HashMap<>();
    private final Map<String, Map<String, PathHistory>> history = new HashMap<>();
    private final Map<String, String> devices = new HashMap<>();
    private final ListMultimap<String, FileRef> byHash = ArrayListMultimap.create();

    public BackupState(String hashAlgorithm) {
        this.hashAlgorithm = hashAlgorithm;
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
        LiveFile old = live.computeIfAbsent(ref.source(), k -> new java.util.TreeMap<>()).put(ref.rel(), file);
        if (old != null) {
            unindex(ref, old);
        }
        if (file.size() > 0) {
            byHash.put(file.hash(), ref);
        }
    }

    public void removeLive(FileRef ref) {
        Map<String, LiveFile> files = live.get(ref.source());
        if (files == null) {
            return;
        }
        LiveFile old = files.remove(ref.rel());
        if (old != null) {
            unindex(ref, old);
        }
    }

    private void unindex(FileRef ref, LiveFile old) {
        if (old.size() > 0) {
            byHash.remove(old.hash(), ref);
        }
    }

    /** A live, non-empty file with this content, if there is one (the first one recorded). */
    public Optional<FileRef> liveWithHash(String hash) {
        return liveWithHash(hash, r -> true);
    }

    /** The first live, non-empty file with this content that {@code usable} accepts. */
    public Optional<FileRef> liveWithHash(String hash, java.util.function.Predicate<FileRef> usable) {
        List<FileRef> refs = byHash.get(hash);
        for (FileRef r : refs) {
            if (usable.test(r)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public PathHistory history(FileRef ref) {
        Map<String, PathHistory> h = history.get(ref.source());
        return h == null ? PathHistory.EMPTY : h.getOrDefault(ref.rel(), PathHistory.EMPTY);
    }

    public void putHistory(FileRef ref, PathHistory h) {
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

    public Optional<String> device(String source) {
        return Optional.ofNullable(devices.get(source)).filter(d -> !d.isEmpty());
    }

    public void setDevice(String source, String device) {
        devices.put(source, device);
    }

    Map<String, String> devices() {
        return devices;
    }

    /** Total number of live files over all sources. */
    public int totalLive() {
        return live.values().stream().mapToInt(Map::size).sum();
    }
}
