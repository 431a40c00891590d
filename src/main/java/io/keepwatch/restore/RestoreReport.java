package io.keepwatch.restore;

import java.util.List;

/**
 * What a restore did.
 *
 * @param restored files at their final path, each checked against the hash state.json records
 * @param alreadyThere of those, the files that were already there with that content (a restore resumed) and so
 *     were not written again
 * @param bytes bytes written
 * @param problems one per file that was not restored, with its kind and reason
 */
public record RestoreReport(int restored, int alreadyThere, long bytes, List<Problem> problems) {
    public RestoreReport {
        problems = List.copyOf(problems);
    }

    /** Why a file was not restored. */
    public enum Kind {
        /** state.json names a path that would lead outside the destination or the backup root, or through a link. */
        REFUSED,
        /** the backup file that holds the chosen content is not there. */
        MISSING,
        /** the backup file's content does not match the hash state.json records; nothing was written. */
        CORRUPT,
        /** an I/O error while reading or writing. */
        FAILED
    }

    /**
     * @param target where the file would have gone, relative to the destination ({@code /}-separated)
     */
    public record Problem(Kind kind, String target, String reason) {
        @Override
        public String toString() {
            return kind + " " + target + ": " + reason;
        }
    }

    public boolean complete() {
        return problems.isEmpty();
    }
}
