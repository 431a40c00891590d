package io.keepwatch.daemon;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.daemon.SourceMachine.Effect;
import io.keepwatch.daemon.SourceMachine.Input;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.PassResult;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.keepwatch.fs.Fs;
import io.keepwatch.scan.Availability;
import io.keepwatch.watch.ChangeQueue;
import io.keepwatch.watch.Debouncer;
import io.keepwatch.watch.SourcePath;
import io.keepwatch.watch.SourceSignal;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service: one engine thread (the one calling {@link #run}) over an opened {@link Engine}. Start-up
 * registers every watch first, then runs a full reconciliation pass, then logs {@code WATCH start: <source>
 * (N folders)} per source and {@code Ready}. After that it waits for changed paths, debounces them, and backs
 * up each ready group of paths of a source with {@link Engine#runPaths}, whose cost depends on those paths
 * only. {@link #stop} (any thread) makes {@link #run} return after the batch in progress; the state is then
 * saved. The engine stays open: its owner closes it.
 *
 * <p>What each observation does to a source (its state, and the pass, watch or retry that follows) is decided by the
 * pure {@link SourceMachine}; the status file is written by a {@link StatusPublisher}; the loop waits through a
 * {@link Ticker}, so tests drive the service's time with their clock. Over 600 lines: the loop, the start-up, the
 * watches' life per source and the passes and batches it runs are still one class; splitting the watches' side out
 * (register, lose, resume, poll) is the next step of issue 14.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Engine engine;
    private final Watchers watchers;
    private final Fs fs;
    private final Clock clock;
    /** How the loop waits for its next wake-up. */
    private final Ticker ticker;
    private final Timing timing;
    private final ChangeQueue queue;
    private final Optional<EarlyWatches> early;
    private final Debouncer<SourcePath> debouncer;
    private final Map<String, Run> runs = new LinkedHashMap<>();
    private final StatusBoard board;
    /** Writes the board to status.json, now and by a heartbeat. */
    private final StatusPublisher statusFile;
    /** Hears the sources' state changes (the engine, opened with the same listener, tells it of passes and files). */
    private final EngineListener events;
    private volatile boolean stopping;
    private volatile boolean ready;
    /** Work handed to the engine thread by other threads (a scheduled prune), run between batches. */
    private final java.util.Queue<java.util.concurrent.FutureTask<?>> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** When the engine's commit policy wants the next flush, if anything waits to be flushed. */
    private Optional<Instant> flushDue = Optional.empty();
    private Instant nextPeriodic;
    private Instant nextPoll;

    /** The service's view of one source. */
    private static final class Run {
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

        Run(SourceConfig source) {
            this.source = source;
        }

        String name() {
            return source.name();
        }
    }

    /**
     * A service over an open engine. It takes over the watches {@code early} registered while the engine was
     * opening (started with the same {@code watchers}); sources without one are registered at start-up.
     */
    public Daemon(Engine engine, Watchers watchers, Fs fs, Clock clock, Timing timing, Optional<EarlyWatches> early) {
        this(engine, watchers, fs, clock, timing, early, EngineListener.NONE);
    }

    /** A service whose sources' state changes {@code events} hears. */
    public Daemon(Engine engine, Watchers watchers, Fs fs, Clock clock, Timing timing, Optional<EarlyWatches> early,
            EngineListener events) {
        this(engine, watchers, fs, clock, timing, early, events, Optional.empty());
    }

    /**
     * A service that also writes into its status file the SHA-256 of the config file's bytes it was loaded from
     * ({@code configSha256}), so that {@code keepwatch status} can tell when the file on disk is another one.
     */
    public Daemon(Engine engine, Watchers watchers, Fs fs, Clock clock, Timing timing, Optional<EarlyWatches> early,
            EngineListener events, Optional<String> configSha256) {
        this(engine, watchers, fs, clock, Ticker.REAL, timing, early, events, configSha256);
    }

    /** A service whose loop waits through {@code ticker} (tests drive its time with their clock). */
    Daemon(Engine engine, Watchers watchers, Fs fs, Clock clock, Ticker ticker, Timing timing, Optional<EarlyWatches> early,
            EngineListener events, Optional<String> configSha256) {
        this.engine = engine;
        this.ticker = ticker;
        this.events = events;
        this.watchers = watchers;
        this.fs = fs;
        this.clock = clock;
        this.timing = timing;
        this.early = early;
        this.queue = early.map(EarlyWatches::queue).orElseGet(() -> new ChangeQueue(timing.queueCapacity()));
        this.debouncer = new Debouncer<>(timing.debounce(), timing.maxDelay());
        for (SourceConfig s : engine.config().sources()) {
            runs.put(s.name(), new Run(s));
        }
        this.board = new StatusBoard(clock, engine.config().sources(), queue::depth,
                new ServiceStatus.ConfigInUse(engine.config().configFile().toString(), configSha256));
        this.statusFile = new StatusPublisher(fs, engine.layout().statusFile(), board, timing.heartbeat());
    }

    /** Asks {@link #run} to return after the batch in progress. Safe from any thread (a shutdown hook). */
    public void stop() {
        stopping = true;
        queue.wakeUp();
    }

    /**
     * Shows a problem outside the engine (e.g. the run history cannot be written) as the status file's last error.
     * Safe from any thread; logs nothing (the caller has).
     */
    public void reportProblem(String line) {
        board.error(line);
    }

    /** Whether the start-up passes are done and the service watches (it logged {@code Ready}). Safe from any thread. */
    public boolean isReady() {
        return ready && !stopping;
    }

    /**
     * Runs {@code task} on the engine thread, between batches, and returns its result (another thread waits here):
     * for work that changes the backup, which only the engine thread may do. An InterruptedException if the service
     * stops before it ran.
     */
    public <T> T onEngineThread(java.util.concurrent.Callable<T> task) throws Exception {
        java.util.concurrent.FutureTask<T> f = new java.util.concurrent.FutureTask<>(task);
        tasks.add(f);
        queue.wakeUp();
        if (stopping) {
            f.cancel(false);
        }
        try {
            return f.get();
        } catch (java.util.concurrent.CancellationException e) {
            throw new InterruptedException("the service is stopping");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    /** What the service is doing now, as the status file says it (for the status page; safe from any thread). */
    public ServiceStatus status() {
        return board.snapshot();
    }

    /**
     * Asks for a full pass of every source that is not UNAVAILABLE, as a rescan signal does (logged with {@code why}).
     * Safe from any thread; returns at once.
     */
    public void requestFullPass(String why) {
        for (String name : runs.keySet()) {
            queue.signal(new SourceSignal(name, SourceSignal.Kind.RESCAN, why));
        }
    }

    /** The queue the watches deliver to (tests use it to stand in for a flood of events). */
    ChangeQueue queue() {
        return queue;
    }

    /** Runs until {@link #stop}; saves the state before returning. */
    public void run() throws IOException, InterruptedException {
        try {
            statusFile.start();
            startUp();
            loop();
        } finally {
            for (java.util.concurrent.FutureTask<?> t; (t = tasks.poll()) != null; ) {
                t.cancel(false);
            }
            for (Run r : runs.values()) {
                closeWatch(r);
            }
            boolean interrupted = Thread.interrupted();
            try {
                engine.commit();
            } finally {
                statusFile.close();
                board.stopped();
                board.pending(debouncer.size());
                statusFile.publish();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private void startUp() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Map<String, EarlyWatches.Attempt> registered = early.isPresent() ? early.get().take() : Map.of();
        Duration watching = registered.values().stream().map(EarlyWatches.Attempt::took).reduce(Duration.ZERO, Duration::plus);
        for (Run r : runs.values()) {
            r.settling = true;
            long t1 = System.nanoTime();
            register(r, Optional.ofNullable(registered.get(r.name())));
            watching = watching.plusNanos(registered.containsKey(r.name()) ? 0 : System.nanoTime() - t1);
        }
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);
        long t2 = System.nanoTime();
        for (Run r : runs.values()) {
            if (r.state != SourceState.UNAVAILABLE && !stopping) {
                fullPass(r, "start-up reconciliation of " + r.name(), Trigger.STARTUP);
            }
            r.settling = false;
            report(r);
        }
        log.info("Start-up: state loaded in {} s; watches registered in {} s (beside the load: {} s more waited for); "
                + "reconciled in {} s", seconds(engine.loadTime()), seconds(watching), seconds(waited),
                seconds(Duration.ofNanos(System.nanoTime() - t2)));
        Instant now = clock.instant();
        nextPeriodic = now.plus(timing.rescanInterval());
        nextPoll = now.plus(timing.poll());
        for (Run r : runs.values()) {
            if (r.state == SourceState.OK) {
                log.info("WATCH start: {} ({} folders)", r.name(), r.handle.map(WatchHandle::folders).orElse(0));
            } else if (r.state == SourceState.POLLING) {
                log.info("WATCH polling: {} (a full pass every {} s; see the ERROR above)", r.name(),
                        timing.limitRescan().toSeconds());
            }
        }
        ready = true;
        board.activity("idle");
        statusFile.publish();
        log.info("Ready");
    }

    private static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.2f", d.toNanos() / 1e9);
    }

    private void loop() throws InterruptedException {
        while (!stopping) {
            Instant now = clock.instant();
            ChangeQueue.Drained drained = ticker.await(queue, Duration.between(now, nextWake(now)));
            now = clock.instant();
            for (SourcePath p : drained.paths()) {
                Run r = runs.get(p.source());
                if (r != null && effect(r, Input.CHANGED_PATH) == Effect.BACK_UP_PATH) {
                    debouncer.touch(p, now);
                }
            }
            for (SourceSignal s : drained.signals()) {
                onSignal(runs.get(s.source()), s, now);
            }
            if (stopping) {
                break;
            }
            if (!now.isBefore(nextPoll)) {
                poll();
                nextPoll = clock.instant().plus(timing.poll());
            }
            if (!now.isBefore(nextPeriodic)) {
                for (Run r : runs.values()) {
                    switch (effect(r, Input.PERIODIC)) {
                        case PASS_NOW -> r.passDue = Optional.of(now);
                        case RETRY_AT_NEXT_POLL -> r.failedMark = Optional.empty();
                        default -> { }
                    }
                }
                nextPeriodic = now.plus(timing.rescanInterval());
            }
            runDuePasses(now);
            runReadyBatches(clock.instant());
            for (java.util.concurrent.FutureTask<?> t; !stopping && (t = tasks.poll()) != null; ) {
                t.run();
            }
            board.pending(debouncer.size());
            flushIfDue(clock.instant());
        }
    }

    private Instant nextWake(Instant now) {
        Instant wake = nextPoll;
        wake = min(wake, nextPeriodic);
        Optional<Instant> ready = debouncer.nextReady();
        if (ready.isPresent()) {
            wake = min(wake, ready.get());
        }
        for (Run r : runs.values()) {
            if (r.passDue.isPresent()) {
                wake = min(wake, r.passDue.get());
            }
        }
        if (flushDue.isPresent()) {
            wake = min(wake, flushDue.get());
        }
        return wake.isBefore(now) ? now : wake;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    // ---- watches -------------------------------------------------------------------------------

    /** Starts the watch of a source whose folder is there; sets its state to OK, POLLING or UNAVAILABLE. */
    private void register(Run r) {
        register(r, Optional.empty());
    }

    /** Like {@link #register(Run)}, taking over a registration made before the state was loaded, if any. */
    private void register(Run r, Optional<EarlyWatches.Attempt> made) {
        Availability a = engine.probe(r.name());
        if (a instanceof Availability.Unavailable u) {
            made.flatMap(EarlyWatches.Attempt::handle).ifPresent(h -> r.handle = Optional.of(h)); // closed by markUnavailable
            markUnavailable(r, u.reason());
            return;
        }
        EarlyWatches.Attempt attempt = made.orElseGet(() -> EarlyWatches.Attempt.of(r.source, watchers, queue));
        if (attempt.handle().isPresent()) {
            r.handle = attempt.handle();
            r.rootKey = attempt.rootKey();
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
    private void watchLimit(Run r, String message, SourceMachine.Step step) {
        String line = "Cannot watch every folder of " + r.name() + " (" + r.source.path() + "): " + message + "; "
                + WatchLimit.advice() + ". Until then " + r.name() + " is backed up by a full pass every "
                + timing.limitRescan().toSeconds() + " s.";
        log.error(line);
        board.error(line);
        setState(r, step.next(), Optional.of("OS watch limit reached (fs.inotify.max_user_watches)"));
        passAfterLimitRescan(r);
    }

    /** A full pass after {@link Timing#limitRescan()}, unless one is due already. */
    private void passAfterLimitRescan(Run r) {
        if (r.passDue.isEmpty()) {
            r.passDue = Optional.of(clock.instant().plus(timing.limitRescan()));
        }
    }

    private void onSignal(Run r, SourceSignal s, Instant now) {
        Input input = switch (s.kind()) {
            case RESCAN -> Input.RESCAN;
            case LIMIT -> Input.LIMIT_SIGNAL;
            case LOST -> Input.LOST;
        };
        SourceMachine.Step step = SourceMachine.on(r.state, input);
        switch (step.effect()) {
            case PASS_NOW -> {
                log.warn("Rescanning {}: {}", r.name(), s.reason());
                r.passDue = Optional.of(now);
            }
            case PASS_AFTER_LIMIT_RESCAN -> watchLimit(r, s.reason(), step);
            case WATCH_AGAIN -> lost(r, s.reason());
            default -> { }
        }
    }

    /** What the source machine says the service does about {@code input} to this source. */
    private static Effect effect(Run r, Input input) {
        return SourceMachine.on(r.state, input).effect();
    }

    /** The watch ended or the root was replaced: watch again and do a full pass, or mark it UNAVAILABLE. */
    private void lost(Run r, String reason) {
        closeWatch(r);
        debouncer.forget(p -> p.source().equals(r.name()));
        Availability a = engine.probe(r.name());
        if (a instanceof Availability.Unavailable u) {
            markUnavailable(r, reason + "; " + u.reason());
            return;
        }
        log.warn("WATCH lost: {} ({}); watching it again", r.name(), reason);
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
        fullPass(r, "full pass of " + r.name() + " (watching again)", Trigger.STARTUP);
        if (r.state == SourceState.UNAVAILABLE) {
            r.failedMark = markBefore;
        }
        if (r.state == SourceState.OK) {
            log.info("WATCH start: {} ({} folders)", r.name(), r.handle.map(WatchHandle::folders).orElse(0));
        }
    }

    private void markUnavailable(Run r, String reason) {
        closeWatch(r);
        debouncer.forget(p -> p.source().equals(r.name()));
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

    /** Every poll: a watched root that was removed or replaced is lost; an UNAVAILABLE source that is back resumes. */
    private void poll() {
        for (Run r : runs.values()) {
            if (stopping) {
                return;
            }
            if (effect(r, Input.POLL) == Effect.TRY_COMING_BACK) {
                Availability a = engine.probe(r.name());
                Optional<String> mark = rootMark(r.source.path());
                if (a instanceof Availability.Available && !mark.equals(r.failedMark)) {
                    log.info("Source {} is back at {}", r.name(), r.source.path());
                    resume(r);
                }
            } else if (r.handle.isPresent() && !EarlyWatches.rootKey(r.source.path()).equals(r.rootKey)) {
                lost(r, "folder '" + r.source.path() + "' was removed or replaced");
            } else {
                pollGuard(r);
            }
        }
    }

    /**
     * The deletion guard's part of a poll: a mount point inside the source that is mounted again is taken back
     * (watched again, with a full pass; its watches went with the unmount); one that is gone turns UNAVAILABLE;
     * a request of {@code keepwatch accept-deletions} makes a full pass due now, which takes it.
     */
    private void pollGuard(Run r) {
        if (engine.pollMounts(r.name())) {
            closeWatch(r);
            resume(r);
        }
        if (engine.acceptRequested(r.name()) && r.passDue.isEmpty()) {
            r.passDue = Optional.of(clock.instant());
        }
        showGuard(r);
    }

    private void showGuard(Run r) {
        board.guard(r.name(), engine.heldDeletions(r.name()), engine.heldReason(r.name()), engine.unavailableFolders(r.name()));
    }

    private static Optional<String> rootMark(Path root) {
        try {
            BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return Optional.of(a.fileKey() + "@" + a.lastModifiedTime());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    // ---- passes and batches -----------------------------------------------------------------

    private void runDuePasses(Instant now) {
        for (Run r : runs.values()) {
            if (stopping) {
                return;
            }
            if (r.passDue.isPresent() && !r.passDue.get().isAfter(now) && r.state != SourceState.UNAVAILABLE) {
                r.passDue = Optional.empty();
                debouncer.forget(p -> p.source().equals(r.name()));
                fullPass(r, "full pass of " + r.name(), Trigger.FULL_PASS);
                if (effect(r, Input.PASS_DONE) == Effect.PASS_AFTER_LIMIT_RESCAN) {
                    passAfterLimitRescan(r);
                }
            }
        }
    }

    private void fullPass(Run r, String what, Trigger trigger) {
        board.activity(what);
        try {
            PassResult result = engine.runSource(r.name(), trigger);
            board.passDone(result.counts());
            log.info("{}: {}", capitalise(what), result.summaryLine());
            noteProblems(result);
            if (result.unavailable().contains(r.name())) {
                markUnavailable(r, "its folder is missing, unmounted or suddenly empty (see the ERROR above)");
            }
            showGuard(r);
        } catch (IOException e) {
            failed(r, what, e);
        } finally {
            board.activity(ready ? "idle" : "starting");
        }
    }

    private void runReadyBatches(Instant now) {
        List<SourcePath> ready = debouncer.takeReady(now);
        if (ready.isEmpty()) {
            return;
        }
        Map<String, List<String>> bySource = new LinkedHashMap<>();
        for (SourcePath p : ready) {
            bySource.computeIfAbsent(p.source(), s -> new ArrayList<>()).add(p.rel());
        }
        for (Map.Entry<String, List<String>> e : bySource.entrySet()) {
            Run r = runs.get(e.getKey());
            if (stopping) {
                // Not started: the next start's reconciliation pass picks these paths up.
                return;
            }
            if (effect(r, Input.CHANGED_PATH) != Effect.BACK_UP_PATH) {
                continue;
            }
            if (r.handle.isPresent() && !EarlyWatches.rootKey(r.source.path()).equals(r.rootKey)) {
                lost(r, "folder '" + r.source.path() + "' was removed or replaced");
                continue;
            }
            batch(r, e.getValue());
        }
    }

    private void batch(Run r, List<String> rels) {
        board.activity("backing up " + rels.size() + " path(s) of " + r.name());
        try {
            PassResult result = engine.runPaths(r.name(), rels);
            board.batchDone(result.counts());
            log.debug("Batch of {} path(s) in {}: {}", rels.size(), r.name(), result.summaryLine());
            noteProblems(result);
            if (result.unavailable().contains(r.name())) {
                markUnavailable(r, "its folder is missing or on another device (see the ERROR above)");
            }
            showGuard(r);
        } catch (IOException e) {
            failed(r, "backing up " + rels.size() + " changed path(s) of " + r.name(), e);
        } finally {
            board.activity(ready ? "idle" : "starting");
        }
    }

    private void failed(Run r, String what, IOException e) {
        Duration retry = timing.poll().multipliedBy(5);
        // Not a "FAILED:" line: those are one per file, each counted in a pass's "N failed".
        String line = "Could not finish " + what + ": " + e + "; a full pass of " + r.name() + " follows in "
                + retry.toSeconds() + " s";
        log.error(line);
        board.error(line);
        if (effect(r, Input.PASS_FAILED) == Effect.PASS_AFTER_RETRY) {
            r.passDue = Optional.of(clock.instant().plus(retry));
        }
    }

    private void noteProblems(PassResult result) {
        if (!result.problems().isEmpty()) {
            board.error(result.problems().get(result.problems().size() - 1));
        }
    }

    /** Asks the engine to flush its changes if its commit policy says it is time; the engine decides. */
    private void flushIfDue(Instant now) {
        try {
            flushDue = engine.flushIfDue(now);
        } catch (IOException e) {
            String line = "Could not save the state: " + e + "; retrying";
            log.error(line);
            board.error(line);
            flushDue = Optional.of(now); // the engine says when it tries again
        }
    }

    private static String capitalise(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
