package io.keepwatch.fs;

import com.sun.jna.LastErrorException;
import java.util.Optional;

/**
 * The one process-level Linux call keepwatch makes: asking the kernel to end this process when its parent ends
 * ({@code prctl(PR_SET_PDEATHSIG)}), for the child JVM a first backup runs in ({@code cli/FirstBackupJit}), so that
 * killing the {@code once} a user started, even with SIGKILL, never leaves a backup running on its own.
 */
public final class LinuxProcess {
    private static final int PR_SET_PDEATHSIG = 1;
    private static final int SIGTERM = 15;
    private static final Optional<String> UNAVAILABLE = LinuxLibc.register(LinuxProcess.class);

    private LinuxProcess() {
    }

    private static native int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

    /** Asks for SIGTERM when the parent ends; empty when done, else why not (not Linux, JNA unavailable, the call failed). */
    public static Optional<String> terminateWithParent() {
        if (UNAVAILABLE.isPresent()) {
            return UNAVAILABLE;
        }
        try {
            prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
            return Optional.empty();
        } catch (LastErrorException e) {
            return Optional.of("prctl(PR_SET_PDEATHSIG) failed: errno " + e.getErrorCode());
        }
    }
}
