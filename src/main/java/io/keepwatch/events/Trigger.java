package io.keepwatch.events;

/** What started a pass. */
public enum Trigger {
    /** {@code keepwatch once}. */
    ONCE,
    /** The service's reconciliation of a source at start (or when it is watched again). */
    STARTUP,
    /** A full pass of a source by the service: the periodic rescan, a rescan signal, the watch limit. */
    FULL_PASS,
    /** A batch of changed paths of one source, backed up by the service within about a second of the change. */
    BATCH
}
