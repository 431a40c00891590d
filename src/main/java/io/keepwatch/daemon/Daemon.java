package io.keepwatch.daemon;

import io.keepwatch.daemon.SourceMachine.Effect;
import io.keepwatch.daemon.SourceMachine.Input;
import io.keepwatch.daemon.SourceWatches.Run;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.PassResult;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.keepwatch.fs.Fs;
import io.keepwatch.scan.Availability;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.watch.ChangeQueue;
import io.keepwatch.watch.Debouncer;
import io.keepwatch.watch.SourcePath;
import io.keepwatch.watch.SourceSignal;
import io.keepwatch.watch.Watchers;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
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
 * <p>The watches and each source's state (register, watch limit, lost, UNAVAILABLE and back) are
 * {@link SourceWatches}'; what each observation does to a source is decided by the pure {@link SourceMachine}; the
 * status file is written by a {@link StatusPublisher}; the loop waits through a {@link Ticker}, so tests drive the
 * service's time with their clock. This class starts and stops the service, schedules its passes, batches and
 * flushes, and wires the parts together. Over 300 lines (about 525): its public face (the constructors the commands
 * use, stop, status, work handed to the engine thread) and the loop with the passes and batches it schedules; the
 * passes and batches (run one, note its problems, retry a failed one) are the next part that could stand alone.
 */
public final class Daemon {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Engine engine;
    private final Clock clock;
    /** How the loop waits for its next wake-up. */
    private final Ticker ticker;
    private final Timing timing;
    private final ChangeQueue queue;
    private final Debouncer<SourcePath> debouncer;
    /** The sources' watches and states. */
    private final SourceWatches watches;
    private final StatusBoard board;
    /** Writes the board to status.json, now and by a heartbeat. */
    private final StatusPublisher statusFile;
    private volatile boolean stopping;
    private volatile boolean ready;
    /** Work handed to the engine thread by other threads (a scheduled prune), run between batches. */
    private final java.util.Queue<java.util.concurrent.FutureTask<?>> tasks = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** When the engine's commit policy wants the next flush, if anything waits to be flushed. */
    private Optional<Instant> flushDue = Optional.empty();
    private Instant nextPeriodic;
    private Instant nextPoll;

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
        this.clock = clock;
        this.timing = timing;
        this.queue = early.map(EarlyWatches::queue).orElseGet(() -> new ChangeQueue(timing.queueCapacity()));
        this.debouncer = new Debouncer<>(timing.debounce(), timing.maxDelay());
        this.board = new StatusBoard(clock, engine.config().sources(), queue::depth,
                new ServiceStatus.ConfigInUse(engine.config().configFile().toString(), configSha256));
        this.statusFile = new StatusPublisher(fs, engine.layout().statusFile(), board, timing.heartbeat());
        this.watches = new SourceWatches(engine.config().sources(), watchers, early, queue, board, events, clock, timing,
                new SourceWatches.Host() {
                    @Override
                    public Availability probe(String source) {
                        return engine.probe(source);
                    }

                    @Override
                    public void forgetPaths(String source) {
                        debouncer.forget(p -> p.source().equals(source));
                    }

                    @Override
                    public void reconcile(Run r) {
                        fullPass(r, "full pass of " + r.name() + " (watching again)", Trigger.STARTUP);
                    }

                    @Override
                    public boolean stopping() {
                        return stopping;
                    }
                });
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
        for (Run r : watches.runs()) {
            queue.signal(new SourceSignal(r.name(), SourceSignal.Kind.RESCAN, why));
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
            watches.closeAll();
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
        Duration watching = watches.registerAll();
        Duration waited = Duration.ofNanos(System.nanoTime() - t0);
        long t2 = System.nanoTime();
        // Each source's scan began beside its registration, each folder read once watched (EarlyWatches).
        Map<String, Future<ScanResult>> scans = new LinkedHashMap<>();
        for (Run r : watches.runs()) {
            r.takeStartupScan().ifPresent(scan -> scans.put(r.name(), scan));
        }
        boolean byIndex = !stopping && reconciledByIndex(scans);
        if (!byIndex) {
            for (Run r : watches.runs()) {
                Optional<Future<ScanResult>> scan = Optional.ofNullable(scans.get(r.name()));
                if (r.state != SourceState.UNAVAILABLE && !stopping) {
                    fullPass(r, "start-up reconciliation of " + r.name(), Trigger.STARTUP, scan);
                } else {
                    scan.ifPresent(f -> f.cancel(true));
                }
                watches.settled(r);
            }
        }
        scans.clear(); // the scans' files (an entry per file) are not kept while the service runs
        log.info("Start-up: state {}; watches registered in {} s (beside the load: {} s more waited for); reconciled in {} s",
                byIndex ? "loads after Ready (every scan matches its metadata index)" : "loaded in " + seconds(engine.loadTime()) + " s",
                seconds(watching), seconds(waited), seconds(Duration.ofNanos(System.nanoTime() - t2)));
        Instant now = clock.instant();
        nextPeriodic = now.plus(timing.rescanInterval());
        nextPoll = now.plus(timing.poll());
        watches.announce();
        ready = true;
        board.activity("idle");
        statusFile.publish();
        log.info("Ready");
        if (byIndex) {
            engine.loadInBackground(queue::wakeUp);
        }
    }

    /**
     * The start-up reconciliation without the state ({@link Engine#startedUnchanged}): when every source is available,
     * has its start-up scan, and every scan matches the state's metadata index, the sources are reconciled as they
     * are; returns whether they were. Otherwise (or if the check fails) the full passes reconcile them.
     */
    private boolean reconciledByIndex(Map<String, Future<ScanResult>> scans) {
        for (Run r : watches.runs()) {
            if (r.state == SourceState.UNAVAILABLE || !scans.containsKey(r.name())) {
                return false;
            }
        }
        Optional<PassResult> unchanged;
        try {
            unchanged = engine.startedUnchanged(scans);
        } catch (IOException e) {
            log.debug("Start-up: the check against the metadata index failed ({}); reconciling with full passes", e.toString());
            return false;
        }
        if (unchanged.isEmpty()) {
            return false;
        }
        board.passDone(unchanged.get().counts());
        log.info("Start-up reconciliation: {} (nothing changed since the state was saved, by its metadata index)",
                unchanged.get().summaryLine());
        for (Run r : watches.runs()) {
            showGuard(r);
            watches.settled(r);
        }
        return true;
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
                Run r = watches.run(p.source());
                if (r != null && effect(r, Input.CHANGED_PATH) == Effect.BACK_UP_PATH) {
                    debouncer.touch(p, now);
                }
            }
            for (SourceSignal s : drained.signals()) {
                onSignal(watches.run(s.source()), s, now);
            }
            if (stopping) {
                break;
            }
            if (!now.isBefore(nextPoll)) {
                watches.poll(this::pollGuard);
                nextPoll = clock.instant().plus(timing.poll());
            }
            if (!now.isBefore(nextPeriodic)) {
                for (Run r : watches.runs()) {
                    switch (effect(r, Input.PERIODIC)) {
                        case PASS_NOW -> r.passDue = Optional.of(now);
                        case RETRY_AT_NEXT_POLL -> r.failedMark = Optional.empty();
                        default -> { }
                    }
                }
                nextPeriodic = now.plus(timing.rescanInterval());
            }
            if (!engine.isLoading()) { // else they would wait for the state; its load wakes the loop when it ends
                runDuePasses(now);
                runReadyBatches(clock.instant());
                for (java.util.concurrent.FutureTask<?> t; !stopping && (t = tasks.poll()) != null; ) {
                    t.run();
                }
            }
            board.pending(debouncer.size());
            flushIfDue(clock.instant());
            if (!stopping && flushDue.isEmpty() && debouncer.size() == 0 && tasks.isEmpty() && !engine.isLoading()
                    && watches.runs().stream().noneMatch(r -> r.passDue.isPresent())) {
                engine.writeIndexIfIdle(clock.instant(), timing.indexIdle());
            }
        }
    }

    private Instant nextWake(Instant now) {
        Instant wake = nextPoll;
        wake = min(wake, nextPeriodic);
        if (engine.isLoading()) {
            return wake.isBefore(now) ? now : wake; // nothing else can run before the state is loaded
        }
        Optional<Instant> ready = debouncer.nextReady();
        if (ready.isPresent()) {
            wake = min(wake, ready.get());
        }
        for (Run r : watches.runs()) {
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

    // ---- signals and polls ---------------------------------------------------------------------

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
            case PASS_AFTER_LIMIT_RESCAN -> watches.watchLimit(r, s.reason(), step);
            case WATCH_AGAIN -> watches.lost(r, s.reason());
            default -> { }
        }
    }

    /** What the source machine says the service does about {@code input} to this source. */
    private static Effect effect(Run r, Input input) {
        return SourceMachine.on(r.state, input).effect();
    }

    /**
     * The deletion guard's part of a poll: a mount point inside the source that is mounted again is taken back
     * (watched again, with a full pass; its watches went with the unmount); one that is gone turns UNAVAILABLE;
     * a request of {@code keepwatch accept-deletions} makes a full pass due now, which takes it.
     */
    private void pollGuard(Run r) {
        if (engine.pollMounts(r.name())) {
            watches.rewatch(r);
        }
        if (engine.acceptRequested(r.name()) && r.passDue.isEmpty()) {
            r.passDue = Optional.of(clock.instant());
        }
        showGuard(r);
    }

    private void showGuard(Run r) {
        board.guard(r.name(), engine.heldDeletions(r.name()), engine.heldReason(r.name()), engine.unavailableFolders(r.name()));
    }

    // ---- passes and batches -----------------------------------------------------------------

    private void runDuePasses(Instant now) {
        for (Run r : watches.runs()) {
            if (stopping) {
                return;
            }
            if (r.passDue.isPresent() && !r.passDue.get().isAfter(now) && r.state != SourceState.UNAVAILABLE) {
                r.passDue = Optional.empty();
                debouncer.forget(p -> p.source().equals(r.name()));
                fullPass(r, "full pass of " + r.name(), Trigger.FULL_PASS);
                if (effect(r, Input.PASS_DONE) == Effect.PASS_AFTER_LIMIT_RESCAN) {
                    watches.passAfterLimitRescan(r);
                }
            }
        }
    }

    private void fullPass(Run r, String what, Trigger trigger) {
        fullPass(r, what, trigger, Optional.empty());
    }

    /** A full pass of the source, with the scan {@code scanned} if one was begun for it. */
    private void fullPass(Run r, String what, Trigger trigger, Optional<Future<ScanResult>> scanned) {
        board.activity(what);
        try {
            PassResult result = engine.runSource(r.name(), trigger, scanned);
            board.passDone(result.counts());
            log.info("{}: {}", capitalise(what), result.summaryLine());
            noteProblems(result);
            if (result.unavailable().contains(r.name())) {
                watches.markUnavailable(r, "its folder is missing, unmounted or suddenly empty (see the ERROR above)");
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
            Run r = watches.run(e.getKey());
            if (stopping) {
                // Not started: the next start's reconciliation pass picks these paths up.
                return;
            }
            if (effect(r, Input.CHANGED_PATH) != Effect.BACK_UP_PATH) {
                continue;
            }
            if (watches.rootReplaced(r)) {
                watches.lostRoot(r);
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
                watches.markUnavailable(r, "its folder is missing or on another device (see the ERROR above)");
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
