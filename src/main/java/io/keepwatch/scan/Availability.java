package io.keepwatch.scan;

/** Whether a source can be read now; an unavailable source is never taken as "everything deleted". */
public sealed interface Availability {
    record Available(String device) implements Availability {
    }

    record Unavailable(String reason) implements Availability {
    }
}
