package io.keepwatch.history;

import io.keepwatch.events.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** One run of a scheduled job in the history (verify, check, push, prune), with what it found. */
public record JobRow(String job, Instant started, Instant ended, Outcome outcome, String summary, List<String> problems) {
    public JobRow {
        problems = List.copyOf(problems);
    }

    public Duration duration() {
        return Duration.between(started, ended);
    }
}
