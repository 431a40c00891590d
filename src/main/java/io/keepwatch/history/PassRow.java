package io.keepwatch.history;

import io.keepwatch.events.Counts;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One row of the history's passes: a pass, or the service's batches of one source within about a minute.
 *
 * @param batches how many passes the row stands for (more than 1 only for coalesced batches)
 * @param held deletions the deletion guard held during it
 * @param error why it stopped, for a pass that could not run through
 */
public record PassRow(long id, Trigger trigger, List<String> sources, Instant started, Instant ended, Outcome outcome,
        int batches, Counts counts, int held, List<String> unavailable, Optional<String> error) {
    public PassRow {
        sources = List.copyOf(sources);
        unavailable = List.copyOf(unavailable);
    }

    public Duration duration() {
        return Duration.between(started, ended);
    }

    /** This row with another pass added to it: counts summed, the later end, the worse outcome. */
    PassRow plus(PassRow o) {
        return new PassRow(id, trigger, sources, started.isBefore(o.started) ? started : o.started,
                ended.isAfter(o.ended) ? ended : o.ended, outcome.compareTo(o.outcome) >= 0 ? outcome : o.outcome,
                batches + o.batches, counts.plus(o.counts), held + o.held,
                o.unavailable.isEmpty() ? unavailable : o.unavailable, o.error.isPresent() ? o.error : error);
    }

    PassRow withId(long newId) {
        return new PassRow(newId, trigger, sources, started, ended, outcome, batches, counts, held, unavailable, error);
    }
}
