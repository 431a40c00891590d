package io.keepwatch.guard;

import io.keepwatch.config.GuardConfig;
import java.util.Locale;

/**
 * Whether a pass may archive-delete what it found gone from a source: a pure function, tested table-style.
 * Deletions are held when they are at least {@code max_delete_min_files} files and more than
 * {@code max_delete_percent} of the files the source has backed up (as rsync's {@code --max-delete}), or when
 * the source folder is not the one that was backed up (replaced by a new folder of the same name), unless
 * the user accepted them.
 */
public final class DeletionLimit {
    private DeletionLimit() {
    }

    /**
     * @param hold whether the deletions are held
     * @param why for a held decision, the reason in words (for the WARN line and {@code status})
     */
    public record Decision(boolean hold, String why) {
        static final Decision PROCEED = new Decision(false, "");
    }

    /**
     * @param tracked live files the state holds for the source before the pass
     * @param deleting tracked files the pass found gone
     * @param accepted the user accepted this source's deletions for this pass
     * @param rootReplaced the source folder is another folder than the one backed up (same device, new inode)
     */
    public static Decision decide(int tracked, int deleting, GuardConfig limits, boolean accepted, boolean rootReplaced) {
        if (accepted || deleting <= 0) {
            return Decision.PROCEED;
        }
        if (rootReplaced) {
            return new Decision(true, "the source folder was replaced by another folder of the same name");
        }
        long share = 100L * deleting;
        if (deleting >= limits.maxDeleteMinFiles() && share > (long) limits.maxDeletePercent() * tracked) {
            return new Decision(true, String.format(Locale.ROOT,
                    "%d of %d backed-up files (%d%%) are gone: more than max_delete_percent %d%% and at least max_delete_min_files %d",
                    deleting, tracked, tracked == 0 ? 100 : share / tracked, limits.maxDeletePercent(), limits.maxDeleteMinFiles()));
        }
        return Decision.PROCEED;
    }
}
