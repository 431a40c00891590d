package io.keepwatch.engine;

import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FolderSpan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Brings a source's empty folders in the state up to date with a scan (a pure function of the state and the
 * scan): a folder the scan found empty that the state does not hold as an empty folder now (or holds with other
 * permissions) gets a new open {@link FolderSpan}; an open one that the scan covered and did not find empty, or
 * under which the scan found anything, is ended now.
 *
 * @param made the folders to create in the mirror (with their source folder's mode)
 * @param ended the folders to remove from the mirror if they are empty
 */
record EmptyFolders(List<String> made, List<String> ended) {

    boolean isEmpty() {
        return made.isEmpty() && ended.isEmpty();
    }

    static EmptyFolders update(BackupState state, String source, ScanResult scan, Instant now) {
        Map<String, List<FolderSpan>> recorded = state.folders(source);
        List<String> made = new ArrayList<>();
        List<String> ended = new ArrayList<>();
        if (recorded.isEmpty() && scan.emptyFolders().isEmpty()) {
            return new EmptyFolders(made, ended);
        }
        Set<String> filled = filledAncestors(recorded, scan);
        for (Map.Entry<String, List<FolderSpan>> e : List.copyOf(recorded.entrySet())) {
            String rel = e.getKey();
            List<FolderSpan> spans = e.getValue();
            FolderSpan last = spans.get(spans.size() - 1);
            String perms = scan.emptyFolders().get(rel);
            boolean gone = perms == null ? scan.covers(rel) || filled.contains(rel) : !perms.equals(last.perms());
            if (last.open() && gone) {
                List<FolderSpan> changed = new ArrayList<>(spans);
                changed.set(changed.size() - 1, last.endedAt(now));
                state.putFolder(source, rel, changed);
                if (perms == null) {
                    ended.add(rel);
                }
            }
        }
        for (Map.Entry<String, String> f : scan.emptyFolders().entrySet()) {
            List<FolderSpan> spans = state.folders(source).getOrDefault(f.getKey(), List.of());
            if (spans.isEmpty() || !spans.get(spans.size() - 1).open()) {
                List<FolderSpan> changed = new ArrayList<>(spans);
                changed.add(new FolderSpan(f.getValue(), now, null));
                state.putFolder(source, f.getKey(), changed);
                made.add(f.getKey());
            }
        }
        return new EmptyFolders(made, ended);
    }

    /** The recorded empty folders the scan found something in (a file or a folder below them). */
    private static Set<String> filledAncestors(Map<String, List<FolderSpan>> recorded, ScanResult scan) {
        Set<String> filled = new java.util.HashSet<>();
        if (recorded.isEmpty() || scan.covered().contains("")) {
            return filled; // a scan of the whole source covers every recorded folder
        }
        List<String> found = new ArrayList<>(scan.emptyFolders().keySet());
        scan.files().stream().map(ScannedFile::rel).forEach(found::add);
        for (String rel : found) {
            for (int slash = rel.lastIndexOf('/'); slash > 0; slash = rel.lastIndexOf('/', slash - 1)) {
                String above = rel.substring(0, slash);
                if (recorded.containsKey(above)) {
                    filled.add(above);
                }
            }
        }
        return filled;
    }
}
