package io.keepwatch.engine;

import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveCursor;
import io.keepwatch.state.LiveFile;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Pairs a scan with the state: for each scanned file, in order, whether it is exactly as recorded (size, mtime, file
 * key and permission bits) or else what the state holds at its path; and the live paths the scan covered and did not
 * find (gone, as far as this scan can tell: the deletion guard has its say next). A scan of the whole source is merged
 * with the state's live files in one sweep (both are in path order) that compares each file in the state's columns
 * ({@link LiveCursor}): a record is made only for a file that differs, so a start-up pass over a million unchanged
 * files makes none. A scan of some paths looks its files up. Reads the state, changes nothing.
 */
final class ScanMatcher {
    private ScanMatcher() {
    }

    /**
     * @param liveOf for each of the scan's files, in order, what the state holds at its path; empty for a new file,
     *     and for a file in {@code unchanged} (not looked up)
     * @param unchanged the positions of the scan's files that are exactly as recorded (the stored hash holds)
     * @param absent the live paths the scan covered and did not find, in path order for a full scan
     */
    record Match(List<Optional<LiveFile>> liveOf, BitSet unchanged, List<String> absent) {
    }

    /**
     * @param trustMetadata whether a file exactly as recorded is taken as unchanged (false for a pass that re-hashes
     *     everything: every known file then has its record)
     */
    static Match match(String source, ScanResult scan, BackupState state, boolean trustMetadata) {
        List<ScannedFile> files = scan.files();
        List<Optional<LiveFile>> liveOf = new ArrayList<>(files.size());
        BitSet unchanged = new BitSet(files.size());
        List<String> absent = new ArrayList<>();
        if (scan.covered().equals(Set.of(""))) {
            LiveCursor live = state.liveCursor(source);
            for (int i = 0; i < files.size(); i++) {
                ScannedFile f = files.get(i);
                int c = 0;
                while (live.hasFile() && (c = live.compareTo(f.rel())) < 0) {
                    gone(scan, live, absent);
                }
                if (live.hasFile() && c == 0) {
                    if (trustMetadata && live.sameMetadata(f.size(), f.mtime(), f.inode()) && live.samePerms(f.perms())) {
                        unchanged.set(i);
                        liveOf.add(Optional.empty());
                    } else {
                        liveOf.add(Optional.of(live.file()));
                    }
                    live.next();
                } else {
                    liveOf.add(Optional.empty());
                }
            }
            while (live.hasFile()) {
                gone(scan, live, absent);
            }
            return new Match(liveOf, unchanged, absent);
        }
        Set<String> seen = new HashSet<>(files.size() * 2);
        for (int i = 0; i < files.size(); i++) {
            ScannedFile f = files.get(i);
            seen.add(f.rel());
            Optional<LiveFile> known = state.live(new FileRef(source, f.rel()));
            if (trustMetadata && known.isPresent() && known.get().sameMetadata(f.size(), f.mtime(), f.inode())
                    && known.get().perms().equals(f.perms())) {
                unchanged.set(i);
                liveOf.add(Optional.empty());
            } else {
                liveOf.add(known);
            }
        }
        for (String covered : scan.covered()) {
            for (String rel : state.liveUnder(source, covered)) {
                if (!seen.contains(rel) && scan.covers(rel)) {
                    absent.add(rel);
                }
            }
        }
        return new Match(liveOf, unchanged, absent);
    }

    /** The cursor's file was not found: gone if the scan covers it. Steps past it. */
    private static void gone(ScanResult scan, LiveCursor live, List<String> absent) {
        String rel = live.rel();
        if (scan.covers(rel)) {
            absent.add(rel);
        }
        live.next();
    }
}
