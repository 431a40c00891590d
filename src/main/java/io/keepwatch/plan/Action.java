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
 *
 * <p>Code that does something per kind of action goes through {@link #accept} with a {@link Visitor}, never an
 * {@code instanceof} chain: a new kind of action adds a method to {@code Visitor}, and the compiler then names every
 * place that must handle it (Java 17 has no pattern-matching switch).
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

    /** Calls the method of {@code v} for this kind of action. */
    <R, X extends Exception> R accept(Visitor<R, X> v) throws X;

    /**
     * One method per kind of action. {@code X} is the checked exception the methods may throw
     * ({@code RuntimeException} for none).
     */
    interface Visitor<R, X extends Exception> {
        R backup(Backup a) throws X;

        R update(Update a) throws X;

        R duplicate(Duplicate a) throws X;

        R refresh(Refresh a) throws X;

        R delete(Delete a) throws X;

        R pruneVersion(PruneVersion a) throws X;

        R pruneDeleted(PruneDeleted a) throws X;
    }

    /** A new path whose content no live file has: its copy goes to {@code <source>/<rel>}. */
    record Backup(FileRef ref, FileFacts facts, String staged) implements Action {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.backup(this);
        }
    }

    /** A tracked path whose content changed: its current copy becomes version {@code version}, then the new content is written. */
    record Update(FileRef ref, LiveFile previous, int version, FileFacts facts, String staged) implements Action {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.update(this);
        }
    }

    /** A new path whose content equals the live file {@code original}: kept in {@code _duplicates/}. */
    record Duplicate(FileRef ref, FileFacts facts, FileRef original, String staged) implements Action {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.duplicate(this);
        }
    }

    /** Same content, new metadata (a touched mtime, a new inode): only the state changes. */
    record Refresh(FileRef ref, FileFacts facts) implements Action {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.refresh(this);
        }
    }

    /** A tracked path gone from its source: its copy moves to {@code _deleted/<source>/<stored>}. */
    record Delete(FileRef ref, LiveFile previous, String stored) implements Action {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.delete(this);
        }

        public Delete withStored(String newStored) {
            return new Delete(ref, previous, newStored);
        }
    }

    /** Retention removes an old version. */
    record PruneVersion(FileRef ref, VersionRecord version, String reason) implements Action {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.pruneVersion(this);
        }
    }

    /** Retention removes a deleted file. */
    record PruneDeleted(FileRef ref, DeletionRecord deletion, String reason) implements Action {
        @Override
        public <R, X extends Exception> R accept(Visitor<R, X> v) throws X {
            return v.pruneDeleted(this);
        }
    }
}
