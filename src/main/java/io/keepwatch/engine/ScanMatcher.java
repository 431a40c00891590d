package io.keepwatch.engine;

import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pairs a scan with the state: for each scanned file, in order, what the state holds at its path; and the live paths
 * the scan covered and did not find (gone, as far as this scan can tell: the deletion guard has its say next). A
 * scan of the whole source is merged with the state's sorted live files in one sweep (both are in path order), with
 * no lookup per file; a scan of some paths looks its files up. Reads the state, changes nothing.
 */
final class ScanMatcher {
    private ScanMatcher() {
    }

    /**
     * @param liveOf for each of the scan's files, in order, what the state holds at its path
     * @param absent the live paths the scan covered and did not find, in path order for a full scan
     */
    record Match(List<Optional<LiveFile>> liveOf, List<String> absent) {
    }

    static Match match(String source, ScanResult scan, BackupState state) {
        List<ScannedFile> files = scan.files();
        List<Optional<LiveFile>> liveOf = new ArrayList<>(files.size());
        List<String> absent = new ArrayList<>();
        if (scan.covered().equals(Set.of(""))) {
            Iterator<Map.Entry<String, LiveFile>> live = state.liveSorted(source).entrySet().iterator();
            Map.Entry<String, LiveFile> next = live.hasNext() ? live.next() : null;
            for (ScannedFile f : files) {
                while (next != null && next.getKey().compareTo(f.rel()) < 0) {
                    if (scan.covers(next.getKey())) {
                        absent.add(next.getKey());
                    }
                    next = live.hasNext() ? live.next() : null;
                }
                if (next != null && next.getKey().equals(f.rel())) {
                    liveOf.add(Optional.of(next.getValue()));
                    next = live.hasNext() ? live.next() : null;
                } else {
                    liveOf.add(Optional.empty());
                }
            }
            for (; next != null; next = live.hasNext() ? live.next() : null) {
                if (scan.covers(next.getKey())) {
                    absent.add(next.getKey());
                }
            }
            return new Match(liveOf, absent);
        }
        Set<String> seen = new HashSet<>(files.size() * 2);
        for (ScannedFile f : files) {
            seen.add(f.rel());
            liveOf.add(state.live(new FileRef(source, f.rel())));
        }
        for (String covered : scan.covered()) {
            for (String rel : state.liveUnder(source, covered)) {
                if (!seen.contains(rel) && scan.covers(rel)) {
                    absent.add(rel);
                }
            }
        }
        return new Match(liveOf, absent);
    }
}
