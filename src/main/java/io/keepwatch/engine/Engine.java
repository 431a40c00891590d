package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Trigger;
import io.keepwatch.execute.Executor;
import io.keepwatch.execute.StagingArea;
import io.keepwatch.execute.Tally;
import io.keepwatch.fs.Fs;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.scan.Availability;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.MetadataIndex;
import io.keepwatch.state.StateException;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup engine over one backup root, used from one thread at a time (the {@code once} command, or the service's
 * engine thread). It puts together, in {@link #open}, the parts that each do one job, and runs passes with them:
 * <ul>
 *   <li>{@link RootSession}: the backup root's lock, loading and recovering the state;
 *   <li>{@link SourcePass}: a pass over a source or some of its paths, with the pure {@link ScanMatcher} and
 *       {@link Chunker}, and the {@link CopyPipeline} that copies on pools of its own;
 *   <li>{@link BatchRunner} and {@link StateCommitter}: executing batches, and making them durable;
 *   <li>{@link RetentionStep}: retention over the root, or over the paths a batch changed.
 * </ul>
 * {@link #runOnce} is {@code keepwatch once} ({@link OncePass}, with its no-change fast path).
 *
 * <p>Over 300 lines (about 620) because it is the engine's whole public face (the CLI's and the service's passes, the
 * deletion guard's and retention's questions, commits) and its one factory; each method is a few lines handing on to a
 * part. The next split is the service's start ({@link #openForService}, the reconciliation from the metadata index and
 * the hand-over to the background load) into a part of its own beside {@link StateLoading}.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final Config config;
    private final Clock clock;
    /** Hears what each pass does (see {@link EngineEvent}); the executor tells it of each action. */
    private final EngineListener events;
    private final RootSession session;
    /** The store the state is saved through (the session's one read it). */
    private final StateStore store;
    private final PolicyOutlook retentionPolicy;
    /** The parts on the whole state: made as the engine opened, or later ({@link #openForService}). */
    private final StateLoading loading;
    /** The metadata index read as the service's engine opened, while the state is not loaded; empty otherwise. */
    private final Optional<MetadataIndex> index;

    /** The parts of an engine that work on the whole state, made once it is loaded. */
    record Parts(BackupState state, StateCommitter committer, StagingArea staging, CopyPipeline pipeline, SourcePass sourcePass,
            RetentionStep retention, Duration loadTime) {
    }

    private Engine(Config config, Clock clock, EngineListener events, RootSession session, StateStore store,
            PolicyOutlook retentionPolicy, StateLoading loading, Optional<MetadataIndex> index) {
        this.config = config;
        this.clock = clock;
        this.events = events;
        this.session = session;
        this.store = store;
        this.retentionPolicy = retentionPolicy;
        this.loading = loading;
        this.index = index;
    }

    /**
     * Opens the backup root: creates it if needed, takes the lock, loads the state, recovers an interrupted
     * batch, removes temp leftovers, and re-hashes the backup if {@code hash_algorithm} changed.
     */
    public static Engine open(Config config, Fs fs, Clock clock, Progress progress, EngineListener events)
            throws IOException, StateException, LockedException {
        return open(config, fs, clock, progress, events, RootSession.acquire(config, fs, clock, Optional.empty()));
    }

    /** {@link #open(Config, Fs, Clock, Progress, EngineListener)} with no listener. */
    public static Engine open(Config config, Fs fs, Clock clock, Progress progress)
            throws IOException, StateException, LockedException {
        return open(config, fs, clock, progress, EngineListener.NONE);
    }

    /** Loads the state in a session already opened, and puts the engine's parts together; the session is released on failure. */
    static Engine open(Config config, Fs fs, Clock clock, Progress progress, EngineListener events, RootSession session)
            throws IOException, StateException {
        return open(config, fs, clock, progress, events, session, Optional.empty());
    }

    /**
     * {@link #open(Config, Fs, Clock, Progress, EngineListener, RootSession)} on a state already loaded in part
     * ({@link StateStore#loadPart}): only {@link #changedFiles} may run on it, and its commits only append to the log.
     */
    static Engine openPart(Config config, Fs fs, Clock clock, Progress progress, EngineListener events, RootSession session,
            BackupState part) throws IOException, StateException {
        if (!part.partial()) {
            throw new IllegalArgumentException("not a state loaded in part");
        }
        return open(config, fs, clock, progress, events, session, Optional.of(part));
    }

    private static Engine open(Config config, Fs fs, Clock clock, Progress progress, EngineListener events, RootSession session,
            Optional<BackupState> loaded) throws IOException, StateException {
        try {
            PolicyOutlook policy = new PolicyOutlook(config, clock.getZone());
            StateStore store = new StateStore(session.layout(), fs, clock, policy);
            Parts parts = parts(config, fs, clock, progress, events, session, store, policy, loaded, StateLoading.Gate.OPEN);
            return new Engine(config, clock, events, session, store, policy, StateLoading.loaded(parts), Optional.empty());
        } catch (IOException | StateException | RuntimeException e) {
            session.release();
            throw e;
        }
    }

    /**
     * The service's engine ({@code keepwatch run}): the backup root opened and locked as {@link #open} does, but when
     * no batch waits in the journal and the state's metadata index is current, state.json is not loaded yet: the
     * service's start-up asks {@link #startedUnchanged} whether its scans match the index, and if they do it is Ready
     * without the state, which then loads in the background ({@link #loadInBackground}) or when first needed. Without
     * a current index, the state is loaded here, as {@link #open} does.
     */
    public static Engine openForService(Config config, Fs fs, Clock clock, Progress progress, EngineListener events)
            throws IOException, StateException, LockedException {
        RootSession session = RootSession.acquire(config, fs, clock, Optional.empty());
        PolicyOutlook policy = new PolicyOutlook(config, clock.getZone());
        Optional<MetadataIndex> current;
        try {
            current = !session.journal().hasPending() ? session.store().currentIndex() : Optional.empty();
        } catch (IOException | RuntimeException e) {
            session.release();
            throw e;
        }
        if (current.isEmpty() || policy.stale(current.get(), clock.instant())) {
            return open(config, fs, clock, progress, events, session, Optional.empty());
        }
        StateStore store = new StateStore(session.layout(), fs, clock, policy);
        StateLoading later = StateLoading.deferred(
                gate -> parts(config, fs, clock, progress, events, session, store, policy, Optional.empty(), gate));
        return new Engine(config, clock, events, session, store, policy, later, current);
    }

    /**
     * Loads the state in the open session (unless {@code loaded} is given) and makes the parts that work on it, once
     * {@code gate} lets it.
     */
    private static Parts parts(Config config, Fs fs, Clock clock, Progress progress, EngineListener events, RootSession session,
            StateStore store, PolicyOutlook policy, Optional<BackupState> loaded, StateLoading.Gate gate)
            throws IOException, StateException {
        CopyPipeline pipeline = null;
        try {
            BackupLayout layout = session.layout();
            HashingCopier copier = new HashingCopier(fs, config.hashAlgorithm());
            long t0 = System.nanoTime();
            BackupState state = loaded.isPresent() ? loaded.get() : session.loadState(config, copier, store);
            Duration loadTime = Duration.ofNanos(System.nanoTime() - t0);
            gate.pass();
            // The id names this engine's temp files; it is unique to it (the time it opened and the process).
            StagingArea staging = StagingArea.create(layout, fs, System.currentTimeMillis());
            pipeline = new CopyPipeline(fs, layout.root(), copier, staging, progress);
            Map<String, Path> roots = new HashMap<>();
            config.sources().forEach(s -> roots.put(s.name(), s.path()));
            Executor executor = new Executor(layout, fs, session.journal(), pipeline.syncPool(), roots, events);
            StateCommitter committer = new StateCommitter(state, store, session.journal(), executor::syncFolders, clock,
                    CommitPolicy.of(config));
            BatchRunner batches = new BatchRunner(executor, committer, state, clock);
            RetentionStep retention = new RetentionStep(config, state, clock, layout, fs, policy, events, batches);
            SourcePass sourcePass = new SourcePass(clock, events, state, session.scanners(), session.prefetched(),
                    session.guard(), staging, pipeline, batches, retention, progress);
            return new Parts(state, committer, staging, pipeline, sourcePass, retention, loadTime);
        } catch (IOException | StateException | RuntimeException e) {
            if (pipeline != null) {
                pipeline.close();
            }
            throw e;
        }
    }

    /** The parts on the whole state: loads it here if nothing began to, else waits for the load. */
    private Parts parts() throws IOException {
        return loading.get();
    }

    /** {@link #runOnce(Config, Fs, Clock, Progress, PassOptions, ScanAhead, EngineListener)}, its scans started here, no listener. */
    public static PassResult runOnce(Config config, Fs fs, Clock clock, Progress progress, PassOptions options)
            throws IOException, StateException, LockedException {
        return runOnce(config, fs, clock, progress, options, ScanAhead.start(config, fs), EngineListener.NONE);
    }

    /**
     * One full pass over every source, as {@code keepwatch once} makes it, with the sources' scans already
     * running ({@code ahead}, closed here): they run while the lock is taken and the state loads, so the two
     * largest parts of a pass share the cores. When the state's metadata index is current, the scans are
     * checked against it first: if no file, device or retention limit asks for anything, the pass ends there
     * without loading state.json (the state is then exactly as it was, so nothing needs saving); otherwise the
     * state is loaded and the pass runs as always, with the scans already made. {@code events} hears the pass
     * (trigger {@link Trigger#ONCE}), also when it fails before it began (the backup root locked, a corrupt state).
     */
    public static PassResult runOnce(Config config, Fs fs, Clock clock, Progress progress, PassOptions options,
            ScanAhead ahead, EngineListener events) throws IOException, StateException, LockedException {
        PassEvents pass = PassEvents.start(events, clock, Trigger.ONCE, config.sources().stream().map(SourceConfig::name).toList());
        Tally counts = new Tally();
        try {
            return pass.finished(OncePass.run(config, fs, clock, progress, options, ahead, events, counts));
        } catch (IOException | StateException | LockedException | RuntimeException e) {
            pass.failed(e, counts.counts());
            throw e;
        }
    }

    /** How long loading the state (and recovering an interrupted batch) took when the engine opened. */
    public Duration loadTime() {
        return loading.ifLoaded().map(Parts::loadTime).orElse(Duration.ZERO);
    }

    public Config config() {
        return config;
    }

    public BackupLayout layout() {
        return session.layout();
    }

    /** The state (loaded here, or waited for, if it is not yet: see {@link #openForService}); only for the engine's thread. */
    public BackupState state() {
        try {
            return parts().state();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The parts of an engine whose state is loaded (opened with it, not {@link #openForService}). */
    private Parts loaded() {
        return loading.ifLoaded().orElseThrow(() -> new IllegalStateException("the state is not loaded"));
    }

    /**
     * Options of a full pass.
     *
     * @param acceptEmpty sources that may be empty now (else an empty source is taken as unmounted)
     * @param acceptDeletions sources whose deletions the deletion guard lets through in this pass
     * @param acceptRetention apply a changed retention policy even when it removes more than half of all old versions
     */
    public record PassOptions(boolean rehash, Set<String> acceptEmpty, Set<String> acceptDeletions, boolean acceptRetention) {
        public static final PassOptions DEFAULT = new PassOptions(false, Set.of(), Set.of(), false);

        public PassOptions {
            acceptEmpty = Set.copyOf(acceptEmpty);
            acceptDeletions = Set.copyOf(acceptDeletions);
        }

        public PassOptions(boolean rehash, Set<String> acceptEmpty, Set<String> acceptDeletions) {
            this(rehash, acceptEmpty, acceptDeletions, false);
        }

        public PassOptions(boolean rehash, Set<String> acceptEmpty) {
            this(rehash, acceptEmpty, Set.of());
        }
    }

    /** A full pass over every source, committing the state as it goes; heard as a {@link Trigger#ONCE} pass. */
    public PassResult runFull(PassOptions options) throws IOException {
        return heard(Trigger.ONCE, config.sources().stream().map(SourceConfig::name).toList(), counts -> full(options, counts));
    }

    /**
     * The pass of a {@code once} that found, by the metadata index, only some files changed ({@link ChangedPass}): a pass
     * over those paths of each source (as the service makes over the paths it was told of, retention of the paths given
     * history included), then a commit; the files not looked at are counted unchanged.
     *
     * @param rels by source, the files to pass over
     * @param unchanged how many scanned files are not among them
     */
    PassResult changedFiles(Map<String, List<String>> rels, int unchanged, Tally counts) throws IOException {
        long start = System.nanoTime();
        List<String> unavailable = new ArrayList<>();
        counts.unchanged += unchanged;
        for (SourceConfig source : config.sources()) {
            List<String> paths = rels.getOrDefault(source.name(), List.of());
            if (!paths.isEmpty()) {
                parts().sourcePass().paths(source, paths, counts, unavailable);
            }
        }
        commit();
        return result(counts, unavailable, start, config.sources());
    }

    /** The metadata index after {@link #changedFiles} on a state loaded in part: its runs in {@code runs} afresh. */
    void writePartIndex(io.keepwatch.state.MetadataIndex index, Map<String, java.util.BitSet> runs) {
        Parts p = loaded();
        if (!p.committer().hasUncommittedChanges()) {
            store.writePartIndex(p.state(), index, runs);
            p.committer().indexWritten();
        }
    }

    /** A full pass over every source, counting into {@code counts}. */
    PassResult full(PassOptions options, Tally counts) throws IOException {
        Parts p = parts();
        if (p.state().partial()) {
            throw new IllegalStateException("a full pass needs the whole state");
        }
        long start = System.nanoTime();
        List<String> unavailable = new ArrayList<>();
        // Records of state.json set aside when it was read: never acted on, but every full pass counts each as a failure.
        for (io.keepwatch.state.QuarantinedRecord q : p.state().quarantined()) {
            counts.fail(new EngineEvent.Failure(clock.instant(), q.source(), q.path(), FailureReason.UNSAFE_PATH,
                    "state.json record quarantined (kept aside in state.json, never acted on): " + q.describe()), events);
        }
        for (SourceConfig source : config.sources()) {
            p.sourcePass().full(source, options, counts, unavailable);
        }
        applyRetention(options.acceptRetention(), ref -> true, counts);
        commit();
        return result(counts, unavailable, start, config.sources());
    }

    /**
     * A full pass over one source (the service's reconciliation and rescans: {@code trigger} says which), committing
     * the state as it goes.
     */
    public PassResult runSource(String sourceName, Trigger trigger) throws IOException {
        return runSource(sourceName, trigger, Optional.empty());
    }

    /**
     * {@link #runSource(String, Trigger)} with the scan begun earlier, if given: the service's start-up begins it while
     * the source's watches are being registered, each folder read once its watch is in place ({@link ScanAhead#begin}).
     */
    public PassResult runSource(String sourceName, Trigger trigger, Optional<Future<ScanResult>> scanned) throws IOException {
        return heard(trigger, List.of(sourceName), counts -> {
            long start = System.nanoTime();
            List<String> unavailable = new ArrayList<>();
            parts().sourcePass().full(config.source(sourceName), PassOptions.DEFAULT, counts, unavailable, scanned);
            applyRetention(false, ref -> true, counts);
            commit();
            return result(counts, unavailable, start, List.of(config.source(sourceName)));
        });
    }

    /**
     * The service's start-up reconciliation without the state: when the engine opened without loading it
     * ({@link #openForService}) and the start-up {@code scans} of every source match the metadata index as
     * {@code keepwatch once}'s no-change check judges it ({@link UnchangedCheck}: the same files by their fingerprint,
     * the same devices and mount points, nothing unreadable, no deletion request pending, retention and size limits with
     * nothing due), the sources are reconciled: the result, heard by the listeners as a {@link Trigger#STARTUP} pass
     * that found every file unchanged. Empty when the state is loaded (or loading) already, a source has no scan, or
     * anything differs: the caller then reconciles with full passes, which load the state.
     */
    public Optional<PassResult> startedUnchanged(Map<String, Future<ScanResult>> scans) throws IOException {
        List<String> names = config.sources().stream().map(SourceConfig::name).toList();
        if (index.isEmpty() || !loading.notBegun() || !scans.keySet().containsAll(names)) {
            return Optional.empty();
        }
        long start = System.nanoTime();
        Optional<io.keepwatch.events.Counts> unchanged = UnchangedCheck.run(config, index, session.scanners(), scans,
                session.guard(), retentionPolicy, RetentionPass.disk(config), clock.instant());
        if (unchanged.isEmpty()) {
            return Optional.empty();
        }
        PassEvents pass = PassEvents.start(events, clock, Trigger.STARTUP, names);
        return Optional.of(pass.finished(new PassResult(unchanged.get(), List.of(), List.of(),
                Duration.ofNanos(System.nanoTime() - start))));
    }

    /**
     * Begins loading the state on a thread of its own, if it is not loaded and no load has begun; {@code whenDone} runs
     * on that thread when it ends (loaded, or failed: the next pass then reports why).
     */
    public void loadInBackground(Runnable whenDone) {
        loading.inBackground(() -> {
            if (!loading.stopped()) {
                try {
                    log.info("State loaded in {} s (after Ready)", String.format(java.util.Locale.ROOT, "%.2f",
                            loading.get().loadTime().toNanos() / 1e9));
                } catch (IOException | RuntimeException e) {
                    log.error("Could not load the state after Ready: {}; every pass fails with this until it is mended", e.getMessage());
                }
            }
            whenDone.run();
        });
    }

    /** Whether the state is loading in the background now ({@link #loadInBackground}); passes would wait for it. */
    public boolean isLoading() {
        return loading.inProgress();
    }

    /**
     * A pass over some paths of one source (files or folders; gone ones count as deleted). The state is
     * not saved here: call {@link #commit()} (the service coalesces saves).
     */
    public PassResult runPaths(String sourceName, Collection<String> rels) throws IOException {
        return heard(Trigger.BATCH, List.of(sourceName), counts -> {
            long start = System.nanoTime();
            List<String> unavailable = new ArrayList<>();
            parts().sourcePass().paths(config.source(sourceName), rels, counts, unavailable);
            return result(counts, unavailable, start, List.of(config.source(sourceName)));
        });
    }

    /** A pass, counting into the tally it is given. */
    private interface Pass {
        PassResult run(Tally counts) throws IOException;
    }

    /** Runs {@code pass}, which the listeners hear begin, and finish or fail (with what it had counted). */
    private PassResult heard(Trigger trigger, List<String> sources, Pass pass) throws IOException {
        PassEvents events = PassEvents.start(this.events, clock, trigger, sources);
        Tally counts = new Tally();
        try {
            return events.finished(pass.run(counts));
        } catch (IOException | RuntimeException e) {
            events.failed(e, counts.counts());
            throw e;
        }
    }

    private PassResult result(Tally counts, List<String> unavailable, long start, List<SourceConfig> sources) {
        Map<String, Integer> held = new HashMap<>();
        List<String> folders = new ArrayList<>();
        for (SourceConfig s : sources) {
            if (heldDeletions(s.name()) > 0) {
                held.put(s.name(), heldDeletions(s.name()));
            }
            session.guard().unavailable(s.name()).keySet().forEach(rel -> folders.add(s.name() + "/" + rel));
        }
        return new PassResult(counts.counts(), unavailable, counts.failures(), Duration.ofNanos(System.nanoTime() - start), held,
                folders);
    }

    /** The deletions the deletion guard holds in a source now (what {@code status} shows). */
    public int heldDeletions(String sourceName) {
        return session.guard().holds().count(sourceName);
    }

    /** Why the deletion guard holds deletions of a source, if it does. */
    public Optional<String> heldReason(String sourceName) {
        return session.guard().holds().reason(sourceName);
    }

    /** Whether {@code keepwatch accept-deletions} asked for a full pass of a source that makes its held deletions. */
    public boolean acceptRequested(String sourceName) {
        return session.guard().requests().pending(sourceName);
    }

    /** The folders of a source that are unavailable (unmounted mount points), with the reason. */
    public Map<String, String> unavailableFolders(String sourceName) {
        return session.guard().unavailable(sourceName);
    }

    /**
     * Looks at the mount points inside a source now (the service's poll): one that is gone becomes unavailable (an
     * ERROR); returns whether one that was unavailable is mounted again, so a full pass should take it back.
     */
    public boolean pollMounts(String sourceName) {
        SourceConfig source = config.source(sourceName);
        try {
            return session.guard().poll(source, source.path().toRealPath());
        } catch (IOException e) {
            return false; // the source itself is gone: its own probe says so
        }
    }

    /**
     * Whether a source can be read now (used by the service to resume a source that came back), on the device the state
     * records for it (the metadata index's record while the state is not loaded).
     */
    public Availability probe(String sourceName) {
        Optional<String> device = loading.ifLoaded().map(p -> p.state().device(sourceName))
                .orElseGet(() -> index.flatMap(i -> i.source(sourceName)).map(MetadataIndex.SourceIndex::device)
                        .filter(d -> !d.isEmpty()));
        return session.scanners().get(sourceName).probe(device);
    }

    /**
     * Retention over every source, as at the end of a full pass ({@link RetentionPass}): applied, or held while a
     * changed policy that would remove most old versions waits for {@code accept}.
     *
     * @param scope the paths whose removals are carried out ({@code keepwatch prune --source/--path}); the plan, its
     *     size limits and the check of a changed policy cover the whole root all the same
     * @return what retention decided, and whether it was held
     */
    public RetentionPass.Decision applyRetention(boolean accept, Predicate<FileRef> scope, Tally counts) throws IOException {
        return parts().retention().applyAll(accept, scope, counts);
    }

    /** The retention policy of this engine's configuration, as the index and {@code prune} see it. */
    public PolicyOutlook retentionPolicy() {
        return retentionPolicy;
    }

    /** Smaller chunks and commit points, so tests can make many of each from a few files. */
    void limitChunks(long bytes, int files, int actionsPerCommit) {
        Parts p = loaded();
        p.sourcePass().useChunker(new Chunker(bytes, files));
        p.committer().setPolicy(p.committer().policy().withPassActions(actionsPerCommit));
    }

    /**
     * After a {@code once} that left nothing to save: writes the metadata index if there was none for the state.json on
     * disk ({@code noIndex}: lost, a crash came between the two writes, or its retention outlook is out of date), or
     * the pass appended its changes to the change log (the index is keyed by its last entry); else every later
     * {@code once} would load state.json until something changes.
     */
    boolean writeIndexIfStale(boolean noIndex) throws IOException {
        Parts p = parts();
        if ((noIndex || p.committer().indexStale()) && !p.committer().hasUncommittedChanges()) {
            store.writeIndex(p.state());
            p.committer().indexWritten();
            return true;
        }
        return false;
    }

    /**
     * The idle service's tick: when its commits only appended to the change log since the metadata index was written
     * (the index then no longer names the state on disk) and nothing was committed for {@code idle}, writes the index
     * again, so that the next start can be Ready from it without loading state.json. Stamping state.json reads it
     * whole on this thread (on a million files some seconds), hence only after a quiet spell, once per spell. A failure
     * is logged and not retried before the next commit: the next start then loads state.json first, as without it.
     *
     * @return whether the index was written
     */
    public boolean writeIndexIfIdle(Instant now, Duration idle) {
        Optional<Parts> loaded = loading.ifLoaded();
        if (loaded.isEmpty() || loaded.get().state().partial() || now.isBefore(loaded.get().committer().lastFlush().plus(idle))) {
            return false;
        }
        long t0 = System.nanoTime();
        try {
            boolean wrote = writeIndexIfStale(false);
            if (wrote) {
                log.info("Metadata index brought up to date in {} ms (idle since the last commit): the next start can be "
                        + "Ready without loading state.json first", (System.nanoTime() - t0) / 1_000_000);
            }
            return wrote;
        } catch (IOException | RuntimeException e) {
            log.warn("Could not bring the metadata index up to date ({}); the next start loads state.json first", e.toString());
            loaded.get().committer().indexWritten(); // not tried again before the next commit leaves it behind
            return false;
        }
    }

    /** Makes every change durable now (none can wait while the state is not loaded: nothing could change it). */
    public void commit() throws IOException {
        Optional<Parts> p = loading.ifLoaded();
        if (p.isPresent()) {
            p.get().committer().commit();
        }
    }

    /**
     * The service's tick: makes the changes durable if its commit policy says it is time.
     *
     * @return when a flush is due next, if anything waits to be flushed
     */
    public Optional<Instant> flushIfDue(Instant now) throws IOException {
        Optional<Parts> p = loading.ifLoaded();
        return p.isPresent() ? p.get().committer().flushIfDue(now) : Optional.empty();
    }

    public boolean hasUncommittedChanges() {
        return loading.ifLoaded().map(p -> p.committer().hasUncommittedChanges()).orElse(false);
    }

    /**
     * Drops the engine without saving anything, as if the process had died here (tests simulate crashes
     * with it): pools stop, the lock is released, the state on disk stays as it is.
     */
    void abandon() throws IOException, InterruptedException {
        store.changes().close();
        Optional<Parts> p = loading.stop();
        if (p.isPresent()) {
            p.get().pipeline().stopAndWait();
        }
        session.release();
    }

    @Override
    public void close() throws IOException {
        Optional<Parts> p = Optional.empty();
        try {
            p = loading.stop();
            if (p.isPresent()) {
                p.get().committer().close();
                p.get().staging().close();
            }
        } finally {
            try {
                p.ifPresent(parts -> parts.pipeline().close());
            } finally {
                session.release();
            }
        }
    }
}
