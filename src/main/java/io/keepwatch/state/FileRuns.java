package io.keepwatch.state;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * A source's live files cut into runs of consecutive paths, as state.json holds them (sorted by path): run {@code k}
 * holds the paths from its first one ({@link Run#first}) up to the next run's first, and lies in state.json's bytes from
 * {@link Run#start} to {@link Run#end}. Each run has the {@link Fingerprint} of its live files and empty folders as the
 * state holds them now (state.json and the change log entries after it: a path added since falls in the run its name
 * sorts into). A pass that compares its scan run by run finds the runs whose metadata changed, and can load just those
 * records ({@link StateStore#loadPart}). The first run also holds every path that sorts before its first one.
 *
 * @param open the offset of the {@code {} of the source's {@code files} object in state.json
 * @param close the offset of its {@code }}
 */
public record FileRuns(long open, long close, List<Run> list) {
    /** No runs: the source's records are not cut up (the pass then loads state.json whole). */
    public static final FileRuns NONE = new FileRuns(-1, -1, List.of());
    /** More runs than this in one source are not read back (a million files make about 8,000). */
    private static final int MAX_RUNS = 1 << 24;

    /** One run: its first path, its bytes in state.json ({@code [start, end)}), its fingerprint. */
    public record Run(String first, long start, long end, Fingerprint fingerprint) {
    }

    public FileRuns {
        list = List.copyOf(list);
    }

    /** The run a path belongs to (there must be at least one run). */
    public int runOf(String rel) {
        int lo = 1;
        int hi = list.size() - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (list.get(mid).first().compareTo(rel) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** The fingerprint of all runs together: the source's. */
    public Fingerprint total() {
        Fingerprint t = Fingerprint.EMPTY;
        for (Run r : list) {
            t = t.plus(r.fingerprint());
        }
        return t;
    }

    /** The same runs, with the fingerprints of some replaced (by run number). */
    public FileRuns withPrints(java.util.Map<Integer, Fingerprint> changed) {
        List<Run> out = new ArrayList<>(list);
        changed.forEach((k, f) -> out.set(k, new Run(list.get(k).first(), list.get(k).start(), list.get(k).end(), f)));
        return new FileRuns(open, close, out);
    }

    /** The runs of the records found at {@code where}, with the fingerprints of the state's files {@code s}. */
    static FileRuns of(StateOffsets.Files where, SourceState s) {
        List<Run> runs = new ArrayList<>(where.firsts().size());
        for (int k = 0; k < where.firsts().size(); k++) {
            runs.add(new Run(where.firsts().get(k), where.starts().get(k), where.ends().get(k), Fingerprint.EMPTY));
        }
        FileRuns shape = new FileRuns(where.open(), where.close(), runs);
        Fingerprint[] prints = shape.prints(s);
        for (int k = 0; k < runs.size(); k++) {
            runs.set(k, new Run(runs.get(k).first(), runs.get(k).start(), runs.get(k).end(), prints[k]));
        }
        return new FileRuns(where.open(), where.close(), runs);
    }

    /** The fingerprint of each run of this shape over the live files and open empty folders of {@code s}. */
    Fingerprint[] prints(SourceState s) {
        Fingerprint.Builder[] b = new Fingerprint.Builder[list.size()];
        for (int k = 0; k < b.length; k++) {
            b[k] = new Fingerprint.Builder();
        }
        entries(s, (rel, size, mtime, inode, perms) -> b[runOf(rel)].add(rel, size, mtime, inode, perms),
                (rel, perms) -> b[runOf(rel)].addEmptyFolder(rel, perms));
        Fingerprint[] out = new Fingerprint[b.length];
        for (int k = 0; k < b.length; k++) {
            out[k] = b[k].build();
        }
        return out;
    }

    /** Every live file of {@code s} and every empty folder it holds now, as the fingerprint has them. */
    static void entries(SourceState s, Fingerprint.Sink files, BiConsumer<String, String> emptyFolders) {
        if (s.files() instanceof LiveView view) {
            view.forEachEntry(files); // a state's own files: from its columns, with no record made per file
        } else {
            s.files().forEach((rel, f) -> files.accept(rel, f.size(), f.mtime(), f.inode(), f.perms()));
        }
        if (s.folders() != null) {
            s.folders().forEach((rel, spans) -> spans.stream().filter(FolderSpan::open)
                    .forEach(open -> emptyFolders.accept(rel, open.perms())));
        }
    }

    void write(DataOutputStream out) throws IOException {
        out.writeLong(open);
        out.writeLong(close);
        out.writeInt(list.size());
        for (Run r : list) {
            out.writeUTF(r.first());
            out.writeLong(r.start());
            out.writeLong(r.end());
            MetadataIndex.writePrint(out, r.fingerprint());
        }
    }

    static Optional<FileRuns> read(DataInputStream in) throws IOException {
        long open = in.readLong();
        long close = in.readLong();
        int n = in.readInt();
        if (n < 0 || n > MAX_RUNS) {
            return Optional.empty();
        }
        List<Run> runs = new ArrayList<>(Math.min(n, 1 << 16));
        for (int k = 0; k < n; k++) {
            runs.add(new Run(in.readUTF(), in.readLong(), in.readLong(), MetadataIndex.readPrint(in)));
        }
        return Optional.of(new FileRuns(open, close, runs));
    }

    /**
     * Whether the runs hold together (read from an untrusted file): in order of path and of bytes, inside the source's
     * files object and a state.json of {@code stateSize} bytes, and adding up to the source's fingerprint.
     */
    boolean valid(Fingerprint sourcePrint, long stateSize) {
        if (list.isEmpty()) {
            return open == -1 && close == -1;
        }
        long at = open;
        for (int k = 0; k < list.size(); k++) {
            Run r = list.get(k);
            if (r.start() <= at || r.end() <= r.start() || r.fingerprint().count() < 0
                    || k > 0 && list.get(k - 1).first().compareTo(r.first()) >= 0) {
                return false;
            }
            at = r.end();
        }
        return at <= close && close < stateSize && total().equals(sourcePrint);
    }
}
