package io.keepwatch.fs;

import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What is done with a temp file whose write failed: it goes, and if it cannot, that is said, not swallowed. */
public final class TempFiles {
    private static final Logger LOG = LoggerFactory.getLogger(TempFiles.class);

    private TempFiles() {
    }

    /**
     * Deletes {@code tmp} after {@code failure} (the write that failed); returns {@code failure}, which stays the
     * error to report. A delete that fails too is logged with the path and its reason and added to it as suppressed;
     * the next write of that temp file deletes it first (and fails naming it, if it still cannot).
     */
    public static <E extends Throwable> E discard(Fs fs, Path tmp, E failure) {
        try {
            fs.deleteIfExists(tmp);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Could not delete the temp file {} after a failed write ({})", tmp, e.toString());
            failure.addSuppressed(e);
        }
        return failure;
    }
}
