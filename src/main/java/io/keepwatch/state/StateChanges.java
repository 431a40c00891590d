package io.keepwatch.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.fs.RelPath;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one change log entry means: the state records that changed, as they are after the change, by source, in
 * state.json's own shape ({@code {"at": ..., "sources": {"src": {"device": ..., "files": {rel: entry or null},
 * "history": {rel: history or null}, "folders": {rel: spans or null}}}}}; {@code null} is a record that is gone,
 * a missing {@code device} one that did not change). Applying an entry twice changes nothing.
 *
 * <p>Read like state.json is: every record is untrusted input. Paths go through the same {@link Quarantine} (a
 * record whose path is not clean is set aside, kept in state.json's {@code quarantined} section, never acted on);
 * a record missing what it must hold is corruption, an error naming the log and {@code keepwatch rebuild-state}.
 */
public final class StateChanges {
    private static final Logger log = LoggerFactory.getLogger(StateChanges.class);

    private StateChanges() {
    }

    /** One entry's payload. */
    record Payload(Instant at, Map<String, SourceState> sources) {
    }

    /** The payload of an entry recording {@code changes} (from {@link BackupState#takeChanges}). */
    static byte[] encode(ObjectMapper mapper, Instant at, Map<String, SourceState> changes) throws IOException {
        return mapper.writeValueAsBytes(new Payload(at, changes));
    }

    /**
     * Applies entries, oldest first, to a state just read from state.json; what it quarantines is added to the
     * state's quarantined records.
     */
    static void apply(List<ChangeLog.Entry> entries, BackupState state, ObjectMapper mapper, FileSystem fs, Path logDir)
            throws StateException {
        Quarantine quarantine = new Quarantine(fs, mapper, "change log");
        for (ChangeLog.Entry e : entries) {
            Payload p;
            try {
                p = mapper.readValue(e.payload(), Payload.class);
            } catch (IOException x) {
                throw corrupt(logDir, e.seq(), "unreadable (" + x.getMessage() + ")");
            }
            if (p == null || p.sources() == null) {
                throw corrupt(logDir, e.seq(), "no sources");
            }
            for (Map.Entry<String, SourceState> s : p.sources().entrySet()) {
                applySource(s.getKey(), s.getValue(), state, quarantine, fs, logDir, e.seq());
            }
        }
        if (!quarantine.found().isEmpty()) {
            List<QuarantinedRecord> all = new java.util.ArrayList<>(state.quarantined());
            all.addAll(quarantine.found());
            state.setQuarantined(all);
        }
    }

    private static void applySource(String source, SourceState ss, BackupState state, Quarantine quarantine, FileSystem fs,
            Path logDir, long seq) throws StateException {
        if (ss == null) {
            throw corrupt(logDir, seq, "source '" + source + "' is null");
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
                if (lf == null) {
                    if (clean(fs, source, f.getKey())) {
                        state.removeLive(new FileRef(source, f.getKey()));
                    }
                } else if (lf.hash() == null || lf.since() == null) {
                    throw corrupt(logDir, seq, "entry '" + source + "/" + f.getKey() + "' lacks hash or since");
                } else if (quarantine.file(source, f.getKey(), lf)) {
                    state.putLive(new FileRef(source, f.getKey()), lf);
                }
            }
        }
        if (ss.history() != null) {
            for (Map.Entry<String, PathHistory> h : ss.history().entrySet()) {
                PathHistory ph = h.getValue();
                if (ph == null) {
                    if (clean(fs, source, h.getKey())) {
                        state.putHistory(new FileRef(source, h.getKey()), PathHistory.EMPTY);
                    }
                    continue;
                }
                if (ph.versions().stream().anyMatch(v -> v.hash() == null || v.archivedAt() == null)
                        || ph.deletions().stream().anyMatch(d -> d.hash() == null || d.stored() == null || d.deletedAt() == null)) {
                    throw corrupt(logDir, seq, "history of '" + source + "/" + h.getKey() + "' is incomplete");
                }
                quarantine.history(source, h.getKey(), ph).ifPresent(clean -> state.putHistory(new FileRef(source, h.getKey()), clean));
            }
        }
        if (ss.folders() != null) {
            for (Map.Entry<String, List<FolderSpan>> f : ss.folders().entrySet()) {
                List<FolderSpan> spans = f.getValue();
                if (spans == null) {
                    if (clean(fs, source, f.getKey())) {
                        state.putFolder(source, f.getKey(), List.of());
                    }
                } else if (spans.stream().anyMatch(s -> s == null || s.since() == null || s.perms() == null)) {
                    throw corrupt(logDir, seq, "empty folder '" + source + "/" + f.getKey() + "' lacks perms or since");
                } else if (quarantine.folder(source, f.getKey(), spans)) {
                    state.putFolder(source, f.getKey(), spans);
                }
            }
        }
    }

    /** A removal names a path: one that is not clean removes nothing (there is nothing it could name). */
    private static boolean clean(FileSystem fs, String source, String rel) {
        var problem = RelPath.problem(rel, fs);
        problem.ifPresent(why -> log.warn("IGNORED change log removal of {}/{}: {}", source, rel, why));
        return problem.isEmpty();
    }

    private static StateException corrupt(Path logDir, long seq, String what) {
        return new StateException(logDir, "change log entry " + seq + " is corrupt (" + what
                + "); run `keepwatch rebuild-state` to rebuild the state from the backup root", null);
    }
}
