package io.keepwatch.restore;

import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Every content one path has had that the backup still holds: its current copy, its old versions and its
 * deleted copies, each with the span of time it was the path's content ({@code since} up to, not
 * including, {@code until}). The content of a path at an instant is the entry whose span holds it.
 */
public final class Timeline {
    private Timeline() {
    }

    /** What kind of copy an entry is. */
    public enum Kind {
        CURRENT, VERSION, DELETED
    }

    /**
     * One content of a path.
     *
     * @param version the version number for {@link Kind#VERSION}, else 0
     * @param stored the name under {@code _deleted/<source>/} for {@link Kind#DELETED}, else empty
     * @param duplicate for {@link Kind#CURRENT}: the copy is kept in {@code _duplicates/}
     * @param until when it stopped being the content (archived or deleted); empty for the current copy
     * @param mtime the source file's mtime, nanoseconds since the epoch
     */
    public record Entry(FileRef ref, Kind kind, int version, String stored, boolean duplicate, Instant since,
            Optional<Instant> until, String hash, long size, long mtime, String perms) {

        /** Whether this was the path's content at {@code t}. */
        public boolean heldAt(Instant t) {
            return !since.isAfter(t) && (until.isEmpty() || t.isBefore(until.get()));
        }

        /**
         * The file in the backup root that holds this content. Refuses (rather than resolves) a source name,
         * path or deleted name from state.json that would lead outside its area of the backup root.
         */
        public Path file(BackupLayout layout) throws UnsafePathException {
            Path root = layout.root();
            String sourceRel = ref.source() + "/" + ref.rel();
            String entryName = describe();
            switch (kind) {
                case CURRENT:
                    return duplicate
                            ? SafeRel.resolve(root.resolve(BackupLayout.DUPLICATES), sourceRel, entryName)
                            : SafeRel.resolve(root, sourceRel, entryName);
                case VERSION:
                    return SafeRel.resolve(root.resolve(BackupLayout.VERSIONS), sourceRel + "/v" + version + ".bak", entryName);
                default:
                    return SafeRel.resolve(root.resolve(BackupLayout.DELETED), ref.source() + "/" + stored, entryName);
            }
        }

        /** E.g. {@code current copy of docs/a.txt}, {@code version 3 of docs/a.txt}. */
        public String describe() {
            switch (kind) {
                case CURRENT:
                    return "current copy of " + ref;
                case VERSION:
                    return "version " + version + " of " + ref;
                default:
                    return "deleted copy of " + ref + " (deleted " + until.map(Instant::toString).orElse("?") + ")";
            }
        }
    }

    /** The entries of one path, newest first (by the time each became the content). */
    public static List<Entry> of(BackupState state, FileRef ref) {
        List<Entry> out = new ArrayList<>();
        Optional<LiveFile> live = state.live(ref);
        live.ifPresent(l -> out.add(new Entry(ref, Kind.CURRENT, 0, "", l.isDuplicate(), l.since(), Optional.empty(),
                l.hash(), l.size(), l.mtime(), l.perms())));
        PathHistory h = state.history(ref);
        for (VersionRecord v : h.versions()) {
            out.add(new Entry(ref, Kind.VERSION, v.n(), "", false, v.since(), Optional.of(v.archivedAt()), v.hash(), v.size(),
                    v.mtime(), v.perms()));
        }
        for (DeletionRecord d : h.deletions()) {
            out.add(new Entry(ref, Kind.DELETED, 0, d.stored(), false, d.since(), Optional.of(d.deletedAt()), d.hash(), d.size(),
                    d.mtime(), d.perms()));
        }
        out.sort(NEWEST_FIRST);
        return out;
    }

    /** The path's content at {@code t}: of the entries whose span holds {@code t}, the one that began last. */
    public static Optional<Entry> at(List<Entry> newestFirst, Instant t) {
        return newestFirst.stream().filter(e -> e.heldAt(t)).findFirst();
    }

    /** Every path of a source that the state knows, live or with history, sorted. */
    public static List<String> paths(BackupState state, String source) {
        java.util.TreeSet<String> rels = new java.util.TreeSet<>(state.liveFiles(source).keySet());
        rels.addAll(state.histories(source).keySet());
        return new ArrayList<>(rels);
    }

    private static final Comparator<Entry> NEWEST_FIRST = Comparator.comparing(Entry::since).reversed()
            .thenComparing(e -> e.until().orElse(Instant.MAX), Comparator.reverseOrder())
            .thenComparing(Entry::version, Comparator.reverseOrder());
}
