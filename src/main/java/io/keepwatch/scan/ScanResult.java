package io.keepwatch.scan;

import io.keepwatch.state.Fingerprint;
import java.util.List;
import java.util.Set;

/**
 * What a scan of (part of) a source found.
 *
 * @param files regular files, sorted by path
 * @param fingerprint the fingerprint of {@code files} (as the metadata index has it of the files last backed up)
 * @param covered the paths the scan looked at: a state entry at or under one of these that is not in
 *     {@code files} is gone. For a full scan this is the empty path (everything).
 * @param unknown paths at or under which nothing can be said (a folder that could not be read): their
 *     state entries are kept as they are
 * @param problems the paths that could not be read, with the reason
 * @param links symbolic links passed over (paths relative to the root)
 * @param special FIFOs, sockets and devices passed over, never opened (paths relative to the root)
 * @param mounts the mount points found inside the source (folders on another device than the folder holding
 *     them) with their device: all of them for a scan of the whole source, those below the folders it
 *     listed for a scan of some paths
 * @param emptyFolders the folders with nothing in them (never the source root), with their permissions as
 *     {@code rwxr-x---} (or empty), by relative path
 */
public record ScanResult(List<ScannedFile> files, Fingerprint fingerprint, Set<String> covered, Set<String> unknown, List<ScanProblem> problems,
        List<String> links, List<String> special, java.util.Map<String, String> mounts, java.util.Map<String, String> emptyFolders) {

    public ScanResult {
        mounts = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(mounts));
        emptyFolders = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(emptyFolders));
    }

    /**
     * This scan with nothing at or under {@code subtrees} (folders that cannot be read as they are: an unmounted
     * mount point): their files are left out, and they are unknown, so their state entries are kept as they are.
     */
    public ScanResult without(Set<String> subtrees) {
        if (subtrees.isEmpty()) {
            return this;
        }
        PickedFiles.Builder kept = PickedFiles.of(files);
        for (int i = 0; i < files.size(); i++) {
            if (!underAny(files.get(i).rel(), subtrees)) {
                kept.add(i);
            }
        }
        Set<String> unknownNow = new java.util.HashSet<>(unknown);
        unknownNow.addAll(subtrees);
        java.util.Map<String, String> keptFolders = new java.util.TreeMap<>(emptyFolders);
        keptFolders.keySet().removeIf(rel -> underAny(rel, subtrees));
        return new ScanResult(kept.build(), fingerprint, covered, Set.copyOf(unknownNow), problems, links, special, mounts, keptFolders);
    }

    public int skippedLinks() {
        return links.size();
    }

    public int skippedSpecial() {
        return special.size();
    }

    /** Whether the state entry at {@code rel} lies in the part of the source this scan covered. */
    public boolean covers(String rel) {
        return underAny(rel, covered) && !underAny(rel, unknown);
    }

    static boolean underAny(String rel, Set<String> prefixes) {
        if (prefixes.contains("") || prefixes.contains(rel)) {
            return true;
        }
        int slash = rel.length();
        while ((slash = rel.lastIndexOf('/', slash - 1)) > 0) {
            if (prefixes.contains(rel.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }
}
