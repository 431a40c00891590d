package io.keepwatch.engine;

/**
 * How the engine reports progress of long work (copying, verifying, restoring). The CLI shows a progress
 * bar on a terminal; the service and tests use {@link #NONE}. Calls may come from several threads.
 */
public interface Progress {
    Progress NONE = new Progress() {
    };

    /** A new phase of {@code total} units (bytes unless the phase says otherwise) begins. */
    default void begin(String phase, long total) {
    }

    default void advance(long units) {
    }

    default void end() {
    }
}
