package io.keepwatch.state;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A file that exists in the source now and whose current copy the backup root holds. Stored flat in
 * state.json; {@link #facts()} gives the content and metadata part.
 *
 * @param since when this content became the current copy
 * @param duplicateOf empty for a file stored in the mirror; else the {@code source/rel} whose content it
 *     repeats, and its copy lives in {@code _duplicates/}
 */
public record LiveFile(String hash, long size, long mtime, String inode, String perms, Instant since,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) String duplicateOf) {

    public LiveFile {
        inode = inode == null ? "" : inode;
        perms = perms == null ? "" : perms;
        duplicateOf = duplicateOf == null ? "" : duplicateOf;
    }

    public static LiveFile of(FileFacts f, Instant since, String duplicateOf) {
        return new LiveFile(f.hash(), f.size(), f.mtime(), f.inode(), f.perms(), since, duplicateOf);
    }

    @JsonIgnore
    public FileFacts facts() {
        return new FileFacts(hash, size, mtime, inode, perms);
    }

    @JsonIgnore
    public boolean isDuplicate() {
        return !duplicateOf.isEmpty();
    }

    /** Whether size, mtime and file key all match, so the stored hash can be trusted without reading. */
    public boolean sameMetadata(long otherSize, long otherMtime, String otherInode) {
        return size == otherSize && mtime == otherMtime && inode.equals(otherInode);
    }

    public LiveFile withFacts(FileFacts f) {
        return of(f, since, duplicateOf);
    }
}
