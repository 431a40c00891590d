package io.keepwatch.state;

import io.keepwatch.fs.RelPath;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts one source's records, as state.json or a change log entry holds them, into a state: the one place that says
 * what a record must hold (a missing hash or time is corruption) and sends every path through the {@link Quarantine}.
 * In a change log entry a {@code null} record is one that is gone; in state.json it is corruption.
 */
final class SourceRecords {
    private static final Logger log = LoggerFactory.getLogger(SourceRecords.class);

    private SourceRecords() {
    }

    /**
     * @param removals whether a {@code null} record removes (a change log entry) or is corrupt (state.json)
     * @param corrupt the error that names the file being read, for what is wrong
     */
    static void put(String source, SourceState ss, BackupState state, Quarantine quarantine, boolean removals,
            Function<String, StateException> corrupt) throws StateException {
        if (ss == null) {
            throw corrupt.apply("source '" + source + "' is null");
        }
        if (!quarantine.source(source, ss)) {
            return;
        }
        if (ss.device() != null) {
            state.setDevice(source, ss.device());
        }
        if (ss.files() != null) {
            for (Map.Entry<String, LiveFile> f : ss.files().entrySet()) {
                LiveFile lf = f.getValue();
                if (lf == null && removals) {
                    if (clean(quarantine, source, f.getKey())) {
                        state.removeLive(new FileRef(source, f.getKey()));
                    }
                } else if (lf == null || lf.hash() == null || lf.since() == null) {
                    throw corrupt.apply("entry '" + source + "/" + f.getKey() + "' lacks hash or since");
                } else if (quarantine.file(source, f.getKey(), lf)) {
                    state.putLive(new FileRef(source, f.getKey()), lf);
                }
            }
        }
        if (ss.history() != null) {
            for (Map.Entry<String, PathHistory> h : ss.history().entrySet()) {
                PathHistory ph = h.getValue();
                if (ph == null && removals) {
                    if (clean(quarantine, source, h.getKey())) {
                        state.putHistory(new FileRef(source, h.getKey()), PathHistory.EMPTY);
                    }
                    continue;
                }
                if (ph == null || ph.versions().stream().anyMatch(v -> v.hash() == null || v.archivedAt() == null)
                        || ph.deletions().stream().anyMatch(d -> d.hash() == null || d.stored() == null || d.deletedAt() == null)) {
                    throw corrupt.apply("history of '" + source + "/" + h.getKey() + "' is incomplete");
                }
                quarantine.history(source, h.getKey(), ph).ifPresent(clean -> state.putHistory(new FileRef(source, h.getKey()), clean));
            }
        }
        if (ss.folders() != null) {
            for (Map.Entry<String, List<FolderSpan>> f : ss.folders().entrySet()) {
                List<FolderSpan> spans = f.getValue();
                if (spans == null && removals) {
                    if (clean(quarantine, source, f.getKey())) {
                        state.putFolder(source, f.getKey(), List.of());
                    }
                } else if (spans == null || spans.stream().anyMatch(s -> s == null || s.since() == null || s.perms() == null)) {
                    throw corrupt.apply("empty folder '" + source + "/" + f.getKey() + "' lacks perms or since");
                } else if (quarantine.folder(source, f.getKey(), spans)) {
                    state.putFolder(source, f.getKey(), spans);
                }
            }
        }
    }

    /** A removal names a path: one that is not clean removes nothing (there is nothing it could name). */
    private static boolean clean(Quarantine quarantine, String source, String rel) {
        var problem = RelPath.problem(rel, quarantine.fileSystem());
        problem.ifPresent(why -> log.warn("IGNORED change log removal of {}/{}: {}", source, rel, why));
        return problem.isEmpty();
    }
}
