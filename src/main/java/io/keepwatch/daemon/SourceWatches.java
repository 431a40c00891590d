package io.keepwatch.daemon;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.daemon.SourceMachine.Effect;
import io.keepwatch.daemon.SourceMachine.Input;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.SourceState;
import io.keepwatch.scan.Availability;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.watch.ChangeQueue;
import io.keepwatch.watch.WatchHandle;
import io.keepwatch.watch.WatchLimit;
import io.keepwatch.watch.Watchers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watches of the service's sources, one per source, and each source's state: registering its watch (taking
 * over the one {@link EarlyWatches} made while the engine opened), the changes it sees going into the service's
 * {@link ChangeQueue}, the OS's watch limit (full passes instead), a watch lost because the root was removed or
 * replaced (watched again), and a source that is UNAVAILABLE coming back. What each observation does to a source is
 * the pure {@link SourceMachine}'s; the state changes go to the status board and to the listeners. The passes are
 * the service's: a source watched again is reconciled by the full pass {@link Host#reconcile} runs. Used on the
 * engine thread only. Over 300 lines (about 350): one job, a source's watch and state through every case of its
 * life, with the log lines each case writes.
 */
final class SourceWatches {
    private static final Logger log = LoggerFactory.getLogger(SourceWatches.class);

    /** What the watches ask of the service around them. */
    interface Host {
        /** Whether the source's folder is there, on its device, and not suddenly empty (the engine's probe). */
        Availability probe(String source);

        /** Drops the source's changed paths that wait to be backed up (a full pass or nothing takes them). */
        void forgetPaths(String source);

        /** Runs the full pass that reconciles a source watched again; it may find the source UNAVAILABLE. */
        void reconcile(Run r);

        /** Whether the service is stopping (a poll then looks no further). */
        boolean stopping();
    }

    /** The service's view of one source. */
    static final class Run {
        final SourceConfig source;
        SourceState state = SourceState.UNAVAILABLE;
        /**
         * The state listeners were last told of (empty before the first); while {@code settling} (registering and
         * reconciling it), changes are not told, so a source that turns out empty again is not reported back and gone.
         */
        Optional<SourceState> reported = Optional.empty();
        boolean settling;
        Optional<String> reason = Optional.empty();
        Optional<WatchHandle> handle = Optional.empty();
        Optional<Object> rootKey = Optional.empty();
        /** When a full pass of this source is due (rescan signal, watch limit, a failed batch); empty if none. */
        Optional<Instant> passDue = Optional.empty();
        /** The root's identity and mtime when it last failed to come back (so a still-empty folder is not retried in a loop). */
        Optional<String> failedMark = Optional.empty();
        /** The scan of its start-up reconciliation, begun beside its registration ({@link EarlyWatches}), until taken. */
        private Optional<Future<ScanResult>> startupScan = Optional.empty();

        Run(SourceConfig source) {
            this.source = source;
        }

        String name() {
            return source.name();
        }

        /** The scan begun beside its registration at start-up, if any; the caller runs or cancels it. */
        Optional<Future<ScanResult>> takeStartupScan() {
            Optional<Future<ScanResult>> scan = startupScan;
            startupScan = Optional.empty();
            return scan;
        }
    }

    private final Watchers watchers;
    private final ChangeQueue queue;
    private final Optional<EarlyWatches> early;
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final StatusBoard board;
    private final EngineListener events;
    private final Clock clock;
    private final Timing timing;
    private final Host host;

    /**
     * The watches of {@code sources}, started with {@code watchers} and delivering to {@code queue} (that of
     * {@code early}, if given, whose registrations {@link #registerAll} takes over).
     */
    SourceWatches(List<SourceConfig> sources, Watchers watchers, Optional<EarlyWatches> early, ChangeQueue queue,
            StatusBoard board, EngineListener events, Clock clock, Timing timing, Host host) {
        this.watchers = watchers;
        this.early = early;
        this.queue = queue;
        for (SourceConfig s : sources) {
            runs.put(s.name(), new Run(s));
        }
        this.board = board;
        this.events = events;
        this.clock = clock;
        this.timing = timing;
        this.host = host;
    }

    /** The queue every watch delivers its changes and signals to. */
    ChangeQueue queue() {
        return queue;
    }

    Collection<Run> runs() {
        return runs.values();
    }

    /** The source named {@code name}; null for one not configured. */
    Run run(String name) {
        return runs.get(name);
    }

    /**
     * At start-up: registers every source (taking over the early registrations), each settling until {@link #settled};
     * returns how long registering took (the early registrations' time and that of the ones made here).
     */
    Duration registerAll() throws InterruptedException {
        Map<String, EarlyWatches.Attempt> registered = early.isPresent() ? early.get().take() : Map.of();
        Duration watching = registered.values().stream().map(EarlyWatches.Attempt::took).reduce(Duration.ZERO, Duration::plus);
        for (Run r : runs.values()) {
            r.settling = true;
            long t1 = System.nanoTime();
            register(r, Optional.ofNullable(registered.get(r.name())));
            watching = watching.plusNanos(registered.containsKey(r.name()) ? 0 : System.nanoTime() - t1);
        }
        return watching;
    }

    /** The source's start-up reconciliation is over: its state is told from now on. */
    void settled(Run r) {
        r.settling = false;
        report(r);
    }

    /** Logs how each source is watched, once the start-up passes are done. */
    void announce() {
        for (Run r : runs.values()) {
            if (r.state == SourceState.OK) {
                logWatching(r);
            } else if (r.state == SourceState.POLLING) {
                log.info("WATCH polling: {} (a full pass every {} s; see the ERROR above)", r.name(),
                        timing.limitRescan().toSeconds());
            }
        }
    }

    private void logWatching(Run r) {
        log.info("WATCH start: {} ({} folders)", r.name(), r.handle.map(WatchHandle::folders).orElse(0));
    }

    /** Starts the watch of a source whose folder is there; sets its state to OK, POLLING or UNAVAILABLE. */
    private void register(Run r) {
        register(r, Optional.empty());
    }

    /** Like {@link #register(Run)}, taking over a registration made before the state was loaded, if any. */
    private void register(Run r, Optional<EarlyWatches.Attempt> made) {
        Availability a = host.probe(r.name());
        if (a instanceof Availability.Unavailable u) {
            made.flatMap(EarlyWatches.Attempt::handle).ifPresent(h -> r.handle = Optional.of(h)); // closed by markUnavailable
            made.flatMap(EarlyWatches.Attempt::scan).ifPresent(scan -> scan.cancel(true));
            markUnavailable(r, u.reason());
            return;
        }
        EarlyWatches.Attempt attempt = made.orElseGet(() -> EarlyWatches.Attempt.of(r.source, watchers, queue));
        if (attempt.handle().isPresent()) {
            r.handle = attempt.handle();
            r.rootKey = attempt.rootKey();
            r.startupScan = attempt.scan();
            setState(r, SourceMachine.on(r.state, Input.WATCHING).next(), Optional.empty());
            return;
        }
        IOException e = attempt.error().orElseThrow();
        if (WatchLimit.isLimit(e)) {
            watchLimit(r, e.getMessage(), SourceMachine.on(r.state, Input.WATCH_LIMIT));
        } else {
            markUnavailable(r, "cannot watch '" + r.source.path() + "': " + e);
        }
    }

    /** The OS refused more watches: an ERROR, and full passes instead ({@code step} says so). */
    void watchLimit(Run r, String message, SourceMachine.Step step) {
        String line = "Cannot watch every folder of " + r.name() + " (" + r.source.path() + "): " + message + "; "
                + WatchLimit.advice() + ". Until then " + r.name() + " is backed up by a full pass every "
                + timing.limitRescan().toSeconds() + " s.";
        log.error(line);
        board.error(line);
        setState(r, step.next(), Optional.of("OS watch limit reached (fs.inotify.max_user_watches)"));
        passAfterLimitRescan(r);
    }

    /** A full pass after {@link Timing#limitRescan()}, unless one is due already. */
    void passAfterLimitRescan(Run r) {
        if (r.passDue.isEmpty()) {
            r.passDue = Optional.of(clock.instant().plus(timing.limitRescan()));
        }
    }

    /** The watch ended or the root was replaced: watch again and do a full pass, or mark it UNAVAILABLE. */
    void lost(Run r, String reason) {
        closeWatch(r);
        host.forgetPaths(r.name());
        Availability a = host.probe(r.name());
        if (a instanceof Availability.Unavailable u) {
            markUnavailable(r, reason + "; " + u.reason());
            return;
        }
        log.warn("WATCH lost: {} ({}); watching it again", r.name(), reason);
        resume(r);
    }

    /** Whether the source's watched root folder was removed or replaced since its watch began (then it is lost). */
    boolean rootReplaced(Run r) {
        return r.handle.isPresent() && !EarlyWatches.rootKey(r.source.path()).equals(r.rootKey);
    }

    /** {@link #lost} for a root that was removed or replaced. */
    void lostRoot(Run r) {
        lost(r, "folder '" + r.source.path() + "' was removed or replaced");
    }

    /** Watches a source again from scratch (a mount point inside it came back: its watches went with the unmount). */
    void rewatch(Run r) {
        closeWatch(r);
        resume(r);
    }

    /** Registers a source whose folder is there again and reconciles it with a full pass. */
    private void resume(Run r) {
        // Taken before looking: a change made while the pass runs must make the next poll try again.
        Optional<String> markBefore = rootMark(r.source.path());
        r.settling = true;
        try {
            settle(r, markBefore);
        } finally {
            r.settling = false;
            report(r);
        }
    }

    private void settle(Run r, Optional<String> markBefore) {
        register(r);
        if (r.state == SourceState.UNAVAILABLE) {
            r.failedMark = markBefore;
            return;
        }
        host.reconcile(r);
        if (r.state == SourceState.UNAVAILABLE) {
            r.failedMark = markBefore;
        }
        if (r.state == SourceState.OK) {
            logWatching(r);
        }
    }

    /** Nothing of the source is touched until it is back: its watch closed, its paths and passes forgotten; an ERROR once. */
    void markUnavailable(Run r, String reason) {
        closeWatch(r);
        host.forgetPaths(r.name());
        r.passDue = Optional.empty();
        r.failedMark = rootMark(r.source.path());
        if (r.state != SourceState.UNAVAILABLE || !r.reason.equals(Optional.of(reason))) {
            String line = "Source " + r.name() + " is UNAVAILABLE: " + reason + ". Nothing of it is treated as deleted; "
                    + "watching resumes when it is back.";
            log.error(line);
            board.error(line);
        }
        setState(r, SourceMachine.on(r.state, Input.UNAVAILABLE).next(), Optional.of(reason));
    }

    /** Closes every watch (the service stops). */
    void closeAll() {
        for (Run r : runs.values()) {
            closeWatch(r);
        }
    }

    private void closeWatch(Run r) {
        if (r.handle.isPresent()) {
            try {
                r.handle.get().close();
            } catch (IOException e) {
                log.warn("Closing the watch of {}: {}", r.name(), e.toString());
            }
            r.handle = Optional.empty();
        }
    }

    private void setState(Run r, SourceState state, Optional<String> reason) {
        r.state = state;
        r.reason = reason;
        board.source(r.name(), state, r.handle.map(WatchHandle::folders).orElse(0), reason);
        if (!r.settling) {
            report(r);
        }
    }

    /** Tells the listeners of the source's state, if it is not the one they last heard of. */
    private void report(Run r) {
        if (!r.reported.equals(Optional.of(r.state))) {
            events.on(new EngineEvent.SourceStateChanged(clock.instant(), r.name(), r.reported, r.state, r.reason));
            r.reported = Optional.of(r.state);
        }
    }

    /**
     * Every poll: a watched root that was removed or replaced is lost; an UNAVAILABLE source that is back resumes;
     * {@code watched} is asked about every other source (the service's own checks of it).
     */
    void poll(Consumer<Run> watched) {
        for (Run r : runs.values()) {
            if (host.stopping()) {
                return;
            }
            if (SourceMachine.on(r.state, Input.POLL).effect() == Effect.TRY_COMING_BACK) {
                Availability a = host.probe(r.name());
                Optional<String> mark = rootMark(r.source.path());
                if (a instanceof Availability.Available && !mark.equals(r.failedMark)) {
                    log.info("Source {} is back at {}", r.name(), r.source.path());
                    resume(r);
                }
            } else if (rootReplaced(r)) {
                lostRoot(r);
            } else {
                watched.accept(r);
            }
        }
    }

    private static Optional<String> rootMark(Path root) {
        try {
            BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return Optional.of(a.fileKey() + "@" + a.lastModifiedTime());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
