package io.keepwatch.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What one change log entry means: the state records that changed, as they are after the change, by source, in
 * state.json's own shape ({@code {"at": ..., "sources": {"src": {"device": ..., "files": {rel: entry or null},
 * "history": {rel: history or null}, "folders": {rel: spans or null}}}}}; {@code null} is a record that is gone,
 * a missing {@code device} one that did not change). Applying an entry twice changes nothing.
 *
 * <p>Read like state.json is, by the same {@link SourceRecords}: every record is untrusted input. Paths go through
 * the same {@link Quarantine} (a
 * record whose path is not clean is set aside, kept in state.json's {@code quarantined} section, never acted on);
 * a record missing what it must hold is corruption, an error naming the log and {@code keepwatch rebuild-state}.
 */
public final class StateChanges {
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
     * state's quarantined records. An entry as {@link #encode} writes it is applied by the streaming {@link StateReader};
     * any other by the databind reader, which quarantines, and rejects, what it always did.
     */
    static void apply(List<ChangeLog.Entry> entries, BackupState state, ObjectMapper mapper, FileSystem fs, Path logDir)
            throws StateException {
        Quarantine quarantine = new Quarantine(fs, mapper, "change log");
        for (ChangeLog.Entry e : entries) {
            try {
                StateReader.replay(e.payload(), state, fs);
            } catch (StateReader.NotCanonical | IOException x) {
                // not as encode writes it (or not JSON): the general reader applies it whole, or says what is wrong
                applyGeneral(e, state, mapper, quarantine, logDir);
            }
        }
        if (!quarantine.found().isEmpty()) {
            List<QuarantinedRecord> all = new java.util.ArrayList<>(state.quarantined());
            all.addAll(quarantine.found());
            state.setQuarantined(all);
        }
    }

    /** Applies one entry with the databind reader (unknown fields ignored, unclean paths quarantined). */
    static void applyGeneral(ChangeLog.Entry e, BackupState state, ObjectMapper mapper, Quarantine quarantine, Path logDir)
            throws StateException {
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
            SourceRecords.put(s.getKey(), s.getValue(), state, quarantine, true, what -> corrupt(logDir, e.seq(), what));
        }
    }

    private static StateException corrupt(Path logDir, long seq, String what) {
        return new StateException(logDir, "change log entry " + seq + " is corrupt (" + what
                + "); run `keepwatch rebuild-state` to rebuild the state from the backup root", null);
    }
}
