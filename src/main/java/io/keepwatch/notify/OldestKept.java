package io.keepwatch.notify;

import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * How far back the backup reaches, for the summary: its oldest old version (by when it was archived, as retention
 * ages it) and its oldest deleted file.
 *
 * @param version e.g. {@code docs/a.txt v3}, archived at {@code at}
 * @param deleted e.g. {@code docs/b.txt}, deleted at {@code at}
 */
public record OldestKept(Optional<Item> version, Optional<Item> deleted) {
    public static final OldestKept NONE = new OldestKept(Optional.empty(), Optional.empty());

    /** One kept item: what it is ({@code source/path}, with {@code vN} for a version) and its time. */
    public record Item(String what, Instant at) {
    }

    /** The oldest of {@code state}; one walk over every path's history (only on the thread that owns the state). */
    public static OldestKept of(BackupState state) {
        Item version = null;
        Item deleted = null;
        for (String source : state.sourceNames()) {
            for (Map.Entry<String, PathHistory> e : state.histories(source).entrySet()) {
                for (VersionRecord v : e.getValue().versions()) {
                    if (version == null || v.archivedAt().isBefore(version.at())) {
                        version = new Item(source + "/" + e.getKey() + " v" + v.n(), v.archivedAt());
                    }
                }
                for (DeletionRecord d : e.getValue().deletions()) {
                    if (deleted == null || d.deletedAt().isBefore(deleted.at())) {
                        deleted = new Item(source + "/" + e.getKey(), d.deletedAt());
                    }
                }
            }
        }
        return new OldestKept(Optional.ofNullable(version), Optional.ofNullable(deleted));
    }
}
