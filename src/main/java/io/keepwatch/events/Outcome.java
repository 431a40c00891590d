package io.keepwatch.events;

/** How a pass (or a job) ended. */
public enum Outcome {
    /** Everything it looked at is backed up. */
    OK,
    /** It ran through, but some files or sources could not be backed up (each was reported as a failure). */
    PARTIAL,
    /** Nothing could be done: it stopped with an error, or every source it covered was unavailable. */
    FAILED,
    /** Jobs only (never a pass): it did not run, on purpose (a scheduled push while the replicator pushes). */
    SKIPPED
}
