package io.keepwatch.engine;

import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
import io.keepwatch.execute.Parallel;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Tells a listener that a pass started, and then once how it ended: with its result, or failed with an exception. */
final class PassEvents {
    private final EngineListener events;
    private final Clock clock;
    private final Trigger trigger;
    private final List<String> sources;
    private final Instant started;

    private PassEvents(EngineListener events, Clock clock, Trigger trigger, List<String> sources) {
        this.events = events;
        this.clock = clock;
        this.trigger = trigger;
        this.sources = List.copyOf(sources);
        this.started = clock.instant();
    }

    /** Emits {@link EngineEvent.PassStarted} now. */
    static PassEvents start(EngineListener events, Clock clock, Trigger trigger, List<String> sources) {
        PassEvents p = new PassEvents(events, clock, trigger, sources);
        events.on(new EngineEvent.PassStarted(p.started, trigger, p.sources));
        return p;
    }

    /**
     * Emits {@link EngineEvent.DeletionsHeld} for each source whose deletions the guard holds, then
     * {@link EngineEvent.PassFinished}, for a pass that ran through; returns {@code result}.
     */
    PassResult finished(PassResult result) {
        result.held().forEach((source, count) -> events.on(new EngineEvent.DeletionsHeld(clock.instant(), source, count)));
        events.on(new EngineEvent.PassFinished(clock.instant(), trigger, sources, started, result.counts(), result.unavailable(),
                result.outcome(sources.size()), Optional.empty()));
        return result;
    }

    /**
     * Emits {@link EngineEvent.PassFinished} with outcome FAILED for a pass that stopped with {@code e}, having done
     * {@code before} until then.
     */
    void failed(Exception e, Counts before) {
        events.on(new EngineEvent.PassFinished(clock.instant(), trigger, sources, started, before, List.of(), Outcome.FAILED,
                Optional.of(Parallel.reason(e))));
    }
}
