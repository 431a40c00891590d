package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineListener;
import io.keepwatch.execute.Tally;
import io.keepwatch.fs.Fs;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.state.MetadataIndex;
import io.keepwatch.state.StateException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code keepwatch once}: with the backup root locked and the sources' scans already running ({@link ScanAhead}),
 * first the no-change check against the state's metadata index ({@link UnchangedCheck}): when nothing asks for
 * anything, the pass ends there without loading state.json. Otherwise the engine opens in the same session and makes a
 * full pass with the scans already made, and writes the metadata index if it is missing or stale; or, when the index
 * shows only some files' content or metadata changed, a pass over just those, on the part of the state they are in
 * ({@link ChangedPass}).
 */
final class OncePass {
    private OncePass() {
    }

    static PassResult run(Config config, Fs fs, Clock clock, Progress progress, Engine.PassOptions options,
            ScanAhead ahead, EngineListener events, Tally counts) throws IOException, StateException, LockedException {
        try (ahead) {
            long start = System.nanoTime();
            RootSession session = RootSession.acquire(config, fs, clock, Optional.of(ahead));
            boolean noIndex = false;
            Optional<Counts> unchanged = Optional.empty();
            Optional<MetadataIndex> index = Optional.empty();
            PolicyOutlook retention = new PolicyOutlook(config, clock.getZone());
            try {
                if (!options.rehash() && !session.journal().hasPending()) {
                    index = session.store().currentIndex();
                    noIndex = index.isEmpty() || retention.stale(index.get(), clock.instant());
                    unchanged = UnchangedCheck.run(config, index, session.scanners(), session.prefetched(), session.guard(),
                            retention, RetentionPass.disk(config), clock.instant());
                }
            } catch (IOException | RuntimeException e) {
                session.release();
                throw e;
            }
            if (unchanged.isPresent()) {
                session.release();
                return new PassResult(unchanged.get(), List.of(), List.of(), Duration.ofNanos(System.nanoTime() - start));
            }
            Optional<ChangedPass.Plan> changed;
            try {
                changed = ChangedPass.plan(config, fs, clock, options, session, index, retention);
            } catch (IOException | RuntimeException e) {
                session.release();
                throw e;
            }
            if (changed.isPresent()) {
                return ChangedPass.run(changed.get(), config, fs, clock, progress, session, events, counts, start);
            }
            try (Engine engine = Engine.open(config, fs, clock, progress, events, session)) {
                PassResult pass = engine.full(options, counts);
                engine.writeIndexIfStale(noIndex);
                return new PassResult(pass.counts(), pass.unavailable(), pass.problems(),
                        Duration.ofNanos(System.nanoTime() - start), pass.held(), pass.unavailableFolders());
            }
        }
    }
}
