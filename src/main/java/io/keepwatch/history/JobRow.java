package io.keepwatch.history;

import io.keepwatch.events.EngineEvent.JobFinished.By;
import io.keepwatch.events.EngineEvent.JobFinished.Figures;
import io.keepwatch.events.Outcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One run of a job in the history (verify, check, push, prune, export, import, restore), scheduled or run by hand,
 * with what it counted and found.
 */
public record JobRow(String job, By by, Instant started, Instant ended, Outcome outcome, String summary, Figures figures,
        List<String> problems) {
    public JobRow {
        problems = List.copyOf(problems);
    }

    public Duration duration() {
        return Duration.between(started, ended);
    }
}
