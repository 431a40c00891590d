package io.keepwatch.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * One time an empty folder of a source was there: from {@code since} until {@code ended} (when it got something
 * in it or was removed; {@code null} while it still is an empty folder). {@code restore --at T} creates the empty
 * folders with a span holding T.
 *
 * @param perms its POSIX permissions as {@code rwxr-x---}, or empty
 */
public record FolderSpan(String perms, Instant since, @JsonInclude(JsonInclude.Include.NON_NULL) Instant ended) {
    public boolean open() {
        return ended == null;
    }

    /** Whether the folder was there (empty) at {@code at}. */
    public boolean holds(Instant at) {
        return !since.isAfter(at) && (ended == null || ended.isAfter(at));
    }

    public FolderSpan endedAt(Instant at) {
        return new FolderSpan(perms, since, at);
    }
}
