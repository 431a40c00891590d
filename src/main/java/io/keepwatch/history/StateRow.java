package io.keepwatch.history;

import io.keepwatch.events.SourceState;
import java.time.Instant;
import java.util.Optional;

/** One change of a source's state in the service (the first state found at a start has no {@code from}). */
public record StateRow(Instant at, String source, Optional<SourceState> from, SourceState to, Optional<String> reason) {
}
