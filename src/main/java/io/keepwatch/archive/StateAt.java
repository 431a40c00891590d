package io.keepwatch.archive;

import io.keepwatch.restore.Timeline;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.FolderSpan;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What an export holds: the backup's state, for one source or all, and as it was at an instant. At {@code t},
 * a path's current copy is the content it held at {@code t} (a version archived, or a copy deleted, after
 * {@code t} is the current copy again); its versions are those archived by {@code t}, its deleted copies those
 * deleted by {@code t}; contents that began after {@code t} are left out; an empty folder's spans are those begun by
 * {@code t}, the one holding {@code t} open. A pure function of the state.
 */
final class StateAt {
    private StateAt() {
    }

    static BackupState select(BackupState state, Optional<String> source, Optional<Instant> at) {
        BackupState out = new BackupState(state.hashAlgorithm());
        for (String s : state.sourceNames()) {
            if (source.isPresent() && !source.get().equals(s)) {
                continue;
            }
            if (at.isEmpty()) {
                state.liveFiles(s).forEach((rel, l) -> out.putLive(new FileRef(s, rel), l));
                state.histories(s).forEach((rel, h) -> out.putHistory(new FileRef(s, rel), h));
                state.folders(s).forEach((rel, spans) -> out.putFolder(s, rel, spans));
                continue;
            }
            Instant t = at.get();
            state.folders(s).forEach((rel, spans) -> out.putFolder(s, rel, foldersAt(spans, t)));
            for (String rel : Timeline.paths(state, s)) {
                FileRef ref = new FileRef(s, rel);
                Optional<Timeline.Entry> held = Timeline.at(Timeline.of(state, ref), t);
                if (held.isPresent()) {
                    Timeline.Entry e = held.get();
                    LiveFile live = e.kind() == Timeline.Kind.CURRENT ? state.live(ref).orElseThrow()
                            : new LiveFile(e.hash(), e.size(), e.mtime(), "", e.perms(), e.since(), "");
                    out.putLive(ref, live);
                }
                PathHistory h = state.history(ref);
                List<VersionRecord> versions = new ArrayList<>();
                int last = 0;
                for (VersionRecord v : h.versions()) {
                    if (!v.archivedAt().isAfter(t)) {
                        versions.add(v);
                        last = Math.max(last, v.n());
                    }
                }
                List<DeletionRecord> deletions = h.deletions().stream().filter(d -> !d.deletedAt().isAfter(t)).toList();
                if (!versions.isEmpty() || !deletions.isEmpty()) {
                    out.putHistory(ref, new PathHistory(last, versions, deletions));
                }
            }
        }
        return out;
    }

    /** An empty folder's spans as they were at {@code t}: those begun by then, the one holding {@code t} still open. */
    private static List<FolderSpan> foldersAt(List<FolderSpan> spans, Instant t) {
        List<FolderSpan> out = new ArrayList<>();
        for (FolderSpan span : spans) {
            if (!span.since().isAfter(t)) {
                out.add(span.holds(t) ? new FolderSpan(span.perms(), span.since(), null) : span);
            }
        }
        return out;
    }
}
