package io.keepwatch.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.fs.RelPath;
import java.nio.file.FileSystem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sorts the records of a state.json being read into the clean ones, which the state holds, and those whose path is
 * not a clean relative path on the backup root's filesystem ({@link RelPath}), which are set aside as
 * {@link QuarantinedRecord}s with a WARN line each. A source name must moreover be one name.
 */
final class Quarantine {
    private static final Logger log = LoggerFactory.getLogger(Quarantine.class);

    private final FileSystem fs;
    private final ObjectMapper mapper;
    private final List<QuarantinedRecord> found = new ArrayList<>();

    /** What the records come from, for the WARN lines: state.json, or the change log. */
    private final String origin;

    Quarantine(FileSystem fs, ObjectMapper mapper) {
        this(fs, mapper, "state.json");
    }

    Quarantine(FileSystem fs, ObjectMapper mapper, String origin) {
        this.fs = fs;
        this.mapper = mapper;
        this.origin = origin;
    }

    FileSystem fileSystem() {
        return fs;
    }

    /** Why a source name from state.json is not usable, or null. */
    static String sourceProblem(String source, FileSystem fs) {
        String why = RelPath.problem(source, fs).orElse(null);
        return why == null && source.indexOf('/') >= 0 ? "a source name cannot hold '/'" : why;
    }

    /** Whether the source {@code name} may be read; quarantines it whole otherwise. */
    boolean source(String name, SourceState ss) {
        return keep(QuarantinedRecord.SOURCE, name, "", sourceProblem(name, fs), ss);
    }

    /** Whether the live entry {@code rel} of {@code source} may be read; quarantines it otherwise. */
    boolean file(String source, String rel, LiveFile live) {
        return keep(QuarantinedRecord.FILE, source, rel, RelPath.problem(rel, fs).orElse(null), live);
    }

    /** Whether the empty folder {@code rel} of {@code source} may be read; quarantines it otherwise. */
    boolean folder(String source, String rel, List<FolderSpan> spans) {
        return keep(QuarantinedRecord.FOLDER, source, rel, RelPath.problem(rel, fs).orElse(null), spans);
    }

    /** The history of {@code rel} without its records that may not be read (each quarantined); empty if none may. */
    Optional<PathHistory> history(String source, String rel, PathHistory h) {
        if (!keep(QuarantinedRecord.HISTORY, source, rel, RelPath.problem(rel, fs).orElse(null), h)) {
            return Optional.empty();
        }
        List<VersionRecord> versions = new ArrayList<>(h.versions().size());
        for (VersionRecord v : h.versions()) {
            if (keep(QuarantinedRecord.VERSION, source, rel, v.n() < 1 ? "version number " + v.n() + " is not 1 or more" : null, v)) {
                versions.add(v);
            }
        }
        List<DeletionRecord> deletions = new ArrayList<>(h.deletions().size());
        for (DeletionRecord d : h.deletions()) {
            String why = RelPath.problem(d.stored(), fs).map(r -> "stored name '" + d.stored() + "': " + r).orElse(null);
            if (keep(QuarantinedRecord.DELETION, source, rel, why, d)) {
                deletions.add(d);
            }
        }
        return Optional.of(versions.size() == h.versions().size() && deletions.size() == h.deletions().size()
                ? h : new PathHistory(h.lastVersion(), versions, deletions));
    }

    /** The records quarantined by this reading. */
    List<QuarantinedRecord> found() {
        return found;
    }

    private boolean keep(String kind, String source, String path, String why, Object record) {
        if (why == null) {
            return true;
        }
        QuarantinedRecord q = new QuarantinedRecord(kind, source, path, why, mapper.valueToTree(record));
        found.add(q);
        log.warn("QUARANTINED {} record: {}; it is kept aside in state.json and never acted on", origin, q.describe());
        return false;
    }
}
