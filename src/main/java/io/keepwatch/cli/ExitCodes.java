package io.keepwatch.cli;

import io.keepwatch.config.ConfigException;
import io.keepwatch.engine.PassResult;

/**
 * The one mapping from outcomes to process exit codes (documented in the README):
 * <ul>
 *   <li>0: everything was done;</li>
 *   <li>1: failure: nothing could be done (unreadable state, backup root locked or unwritable, every source unavailable);</li>
 *   <li>2: partial: the pass finished, but some files or sources could not be backed up (logged);</li>
 *   <li>64: the command line was wrong (unknown command or option);</li>
 *   <li>78: the configuration is invalid (nothing was written);</li>
 *   <li>{@code status} only: 3 when a source is UNAVAILABLE, 4 when the service is not running (no status file,
 *       stopped, its process gone, or the status not rewritten for {@link io.keepwatch.daemon.StatusFile#STALE_AFTER});</li>
 *   <li>{@code run} stopped by SIGTERM: 143 (128 + 15), by Ctrl+C (SIGINT): 130, set by the JVM after the shutdown
 *       hook has saved the state; a systemd unit lists 143 in {@code SuccessExitStatus}.</li>
 * </ul>
 */
public final class ExitCodes {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int PARTIAL = 2;
    public static final int USAGE = 64;
    public static final int CONFIG = 78;
    public static final int STATUS_UNAVAILABLE = 3;
    public static final int STATUS_NOT_RUNNING = 4;
    /** What the JVM exits with after a SIGTERM once the shutdown hook is done (documented, not returned). */
    public static final int SIGTERM = 143;

    private ExitCodes() {
    }

    public static int forPass(PassResult result, int sourceCount) {
        return switch (result.outcome(sourceCount)) {
            case OK -> OK;
            case FAILED -> FAILURE;
            case PARTIAL -> PARTIAL;
            case SKIPPED -> throw new IllegalStateException("a pass is never SKIPPED (only a job is)");
        };
    }

    public static int forException(Throwable e) {
        return e instanceof ConfigException ? CONFIG : FAILURE;
    }
}
