package io.keepwatch.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;

/**
 * An old version of a path, kept at {@code versions/<source>/<rel>/v<n>.bak}.
 *
 * @param since when this content became the current copy
 * @param archivedAt when it stopped being the current copy (retention measures age from here)
 */
public record VersionRecord(int n, String hash, long size, long mtime, String perms, Instant since, Instant archivedAt) {
    public VersionRecord {
        perms = perms == null ? "" : perms;
    }

    public static VersionRecord of(int n, FileFacts f, Instant since, Instant archivedAt) {
        return new VersionRecord(n, f.hash(), f.size(), f.mtime(), f.perms(), since, archivedAt);
    }

    @JsonIgnore
    public FileFacts facts() {
        return new FileFacts(hash, size, mtime, "", perms);
    }
}
