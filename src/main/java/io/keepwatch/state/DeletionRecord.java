package io.keepwatch.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;

/**
 * A file deleted from its source, kept at {@code _deleted/<source>/<stored>}.
 *
 * @param stored where under {@code _deleted/<source>/} the file lies: the path itself, or the path with a
 *     {@code .~N~} suffix when an earlier deletion of the same path already holds that name
 * @param since when this content became the current copy
 */
public record DeletionRecord(String stored, String hash, long size, long mtime, String perms, Instant since,
        Instant deletedAt) {
    public DeletionRecord {
        perms = perms == null ? "" : perms;
    }

    public static DeletionRecord of(String stored, FileFacts f, Instant since, Instant deletedAt) {
        return new DeletionRecord(stored, f.hash(), f.size(), f.mtime(), f.perms(), since, deletedAt);
    }

    @JsonIgnore
    public FileFacts facts() {
        return new FileFacts(hash, size, mtime, "", perms);
    }
}
