package io.keepwatch.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.VersionRecord;

/**
 * One thing the executor does to the backup root. The planner and the retention policy produce these;
 * the executor performs them in order and the journal records them before anything is moved, so a crash
 * can be recovered. {@code staged} names a temp file in the backup root's staging folder that holds the
 * new content, already hashed and fsynced.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Action.Backup.class, name = "backup"),
        @JsonSubTypes.Type(value = Action.Update.class, name = "update"),
        @JsonSubTypes.Type(value = Action.Duplicate.class, name = "duplicate"),
        @JsonSubTypes.Type(value = Action.Refresh.class, name = "refresh"),
        @JsonSubTypes.Type(value = Action.Delete.class, name = "delete"),
        @JsonSubTypes.Type(value = Action.PruneVersion.class, name = "prune_version"),
        @JsonSubTypes.Type(value = Action.PruneDeleted.class, name = "prune_deleted")})
public sealed interface Action {
    FileRef ref();

    /** A new path whose content no live file has: its copy goes to {@code <source>/<rel>}. */
    record Backup(FileRef ref, FileFacts facts, String staged) implements Action {
    }

    /** A tracked path whose content changed: its current copy becomes version {@code version}, then the new content is written. */
    record Update(FileRef ref, LiveFile previous, int version, FileFacts facts, String staged) implements Action {
    }

    /** A new path whose content equals the live file {@code original}: kept in {@code _duplicates/}. */
    record Duplicate(FileRef ref, FileFacts facts, FileRef original, String staged) implements Action {
    }

    /** Same content, new metadata (a touched mtime, a new inode): only the state changes. */
    record Refresh(FileRef ref, FileFacts facts) implements Action {
    }

    /** A tracked path gone from its source: its copy moves to {@code _deleted/<source>/<stored>}. */
    record Delete(FileRef ref, LiveFile previous, String stored) implements Action {
        public Delete withStored(String newStored) {
            return new Delete(ref, previous, newStored);
        }
    }

    /** Retention removes an old version. */
    record PruneVersion(FileRef ref, VersionRecord version, String reason) implements Action {
    }

    /** Retention removes a deleted file. */
    record PruneDeleted(FileRef ref, DeletionRecord deletion, String reason) implements Action {
    }
}
