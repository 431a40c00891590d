package io.keepwatch.scan;

import io.keepwatch.state.Fingerprint;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A scan's files cut into runs at given paths, as the metadata index cuts a source's state (run {@code k} holds the
 * paths from the {@code k}th first path up to the next one's; run 0 also every path before run 1's first): the
 * fingerprint of each run's files, and the files of a run. {@code keepwatch once} compares the runs with the index's to
 * find the few that changed, and then looks only at their files.
 *
 * <p>For a whole-source scan ({@link MergedFiles}) this makes no record and hashes nothing again: each thread's share is
 * sorted (on threads of their own, as for the merged list), so the run bounds are binary searches in each share (paths compared in their columns), and a run's
 * fingerprint is the sum of the hashes the scan kept beside each file ({@link FileColumns}). The shares need not be
 * merged: a fingerprint is a sum, which no order changes. Any other list (sorted by path, as {@link ScanResult#files}
 * is) is cut the same way through its records.
 */
public final class RunCut {
    /** A sorted sequence of files: a share of a scan, or a list of records. */
    private interface Sorted {
        int size();

        /** Compares the path of the {@code i}th file with {@code path}, as {@link String#compareTo} does. */
        int compareRelTo(int i, String path);

        ScannedFile file(int i);

        void addTo(int i, Fingerprint.Builder to);
    }

    private final List<Sorted> parts;
    /** For each part, where each run begins in it; the last bound is the part's size. */
    private final int[][] bounds;
    private final int runs;

    private RunCut(List<Sorted> parts, List<String> firsts) {
        this.parts = parts;
        this.runs = firsts.size();
        this.bounds = new int[parts.size()][];
        for (int p = 0; p < parts.size(); p++) {
            Sorted part = parts.get(p);
            int[] b = new int[runs + 1];
            // Run 0 begins with the first file whatever its path (as FileRuns#runOf has it); a bound never goes back.
            for (int k = 1; k < runs; k++) {
                b[k] = lowerBound(part, firsts.get(k), b[k - 1]);
            }
            b[runs] = part.size();
            bounds[p] = b;
        }
    }

    /**
     * {@code files} (sorted by path) cut before each of {@code firsts} but the first (sorted, as a valid index has them;
     * at least one).
     */
    public static RunCut of(List<ScannedFile> files, List<String> firsts) {
        if (firsts.isEmpty()) {
            throw new IllegalArgumentException("no runs to cut into");
        }
        List<Sorted> parts = new ArrayList<>();
        if (files instanceof MergedFiles merged) {
            for (FileColumns share : merged.sortedShares()) {
                parts.add(columns(share));
            }
        } else {
            parts.add(records(files));
        }
        return new RunCut(parts, firsts);
    }

    /** How many runs. */
    public int runs() {
        return runs;
    }

    /** The fingerprint of the files of run {@code k} (its empty folders are not files: the caller adds them). */
    public Fingerprint print(int k) {
        Fingerprint.Builder b = new Fingerprint.Builder();
        for (int p = 0; p < parts.size(); p++) {
            Sorted part = parts.get(p);
            for (int i = bounds[p][k]; i < bounds[p][k + 1]; i++) {
                part.addTo(i, b);
            }
        }
        return b.build();
    }

    /** The files of run {@code k}, sorted by path. */
    public List<ScannedFile> files(int k) {
        List<ScannedFile> out = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            Sorted part = parts.get(p);
            for (int i = bounds[p][k]; i < bounds[p][k + 1]; i++) {
                out.add(part.file(i));
            }
        }
        if (parts.size() > 1) {
            out.sort(Comparator.comparing(ScannedFile::rel));
        }
        return out;
    }

    /** The first position at or after {@code from} whose path is not before {@code path}. */
    private static int lowerBound(Sorted part, String path, int from) {
        int lo = from;
        int hi = part.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (part.compareRelTo(mid, path) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static Sorted columns(FileColumns share) {
        share.sort();
        return new Sorted() {
            @Override
            public int size() {
                return share.size();
            }

            @Override
            public int compareRelTo(int i, String path) {
                return share.compareRelTo(share.sorted(i), path);
            }

            @Override
            public ScannedFile file(int i) {
                return share.file(share.sorted(i));
            }

            @Override
            public void addTo(int i, Fingerprint.Builder to) {
                share.addHashTo(share.sorted(i), to);
            }
        };
    }

    private static Sorted records(List<ScannedFile> files) {
        return new Sorted() {
            @Override
            public int size() {
                return files.size();
            }

            @Override
            public int compareRelTo(int i, String path) {
                return files.get(i).rel().compareTo(path);
            }

            @Override
            public ScannedFile file(int i) {
                return files.get(i);
            }

            @Override
            public void addTo(int i, Fingerprint.Builder to) {
                ScannedFile f = files.get(i);
                to.add(f.rel(), f.size(), f.mtime(), f.inode(), f.perms());
            }
        };
    }
}
