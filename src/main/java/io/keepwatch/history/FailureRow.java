package io.keepwatch.history;

import io.keepwatch.events.FailureReason;
import java.time.Instant;

/** One failure in the history: a file or folder that could not be backed up, and why. */
public record FailureRow(Instant at, String source, String path, FailureReason reason, String message) {
}
