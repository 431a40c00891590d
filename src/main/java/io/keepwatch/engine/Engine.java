package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Trigger;
import io.keepwatch.execute.Executor;
import io.keepwatch.execute.Journal;
import io.keepwatch.execute.Parallel;
import io.keepwatch.execute.Recovery;
import io.keepwatch.execute.StagingArea;
import io.keepwatch.execute.Tally;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.Modes;
import io.keepwatch.fs.BackupRoot;
import io.keepwatch.guard.Guard;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.plan.Action;
import io.keepwatch.plan.Observed;
import io.keepwatch.plan.Planner;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.retention.RetentionPlan;
import io.keepwatch.retention.RetentionPolicy;
import io.keepwatch.scan.Availability;
import io.keepwatch.scan.ScanProblem;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.scan.Scanner;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.MetadataIndex;
import io.keepwatch.state.StateException;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup engine over one backup root: scans, stages, plans, executes and saves. Used from one thread
 * at a time (the {@code once} command, or the service's engine thread); internally it copies, hashes and
 * fsyncs on pools of its own.
 *
 * <p>A pass over a source: probe that it is there; scan metadata; trust the stored hash of files whose
 * size, mtime and inode did not change; copy every other file, while hashing it (read once), to a temp file
 * beside its destination ({@link StagingArea}); fsync the staged copies all at once; plan; execute; apply
 * retention; save the state. Large passes run in chunks so a crash loses at most one chunk of copying.
 *
 * <p>Over 1,000 lines and about ten jobs (lifecycle, recovery, fast path, passes, chunking, copying; saving is the
 * {@link StateCommitter}'s):
 * splitting it by job, with its collaborators passed in, is the first part of issue 14, still open.
 */
public final class Engine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    /**
     * A chunk ends after this many bytes or files need reading. Chunks are copied while the one before is made
     * durable and executed, so smaller ones keep the disk and the cores busier, up to the cost of one syncfs
     * and one journal batch each.
     */
    static final long CHUNK_BYTES = 256L << 20;
    static final int CHUNK_FILES = 10_000;
    /**
     * Files read (and copied) at once. A copy mostly waits for the disk, and a disk answers many requests at once
     * faster than one after another: reading data set A's small files from a cold cache took 2.5 s one at a time,
     * 1.2 s four at a time and 0.95 s eight at a time here (2 cores, virtio disk). So at least 8, and two per core
     * on larger machines.
     */
    static final int COPY_THREADS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

    private final Config config;
    private final Fs fs;
    private final Clock clock;
    private final Progress progress;
    /** Hears what each pass does (see {@link EngineEvent}); the executor tells it of each action. */
    private final EngineListener events;
    private final BackupLayout layout;
    private final StateStore store;
    /** The retention policy, as the metadata index records it. */
    private final PolicyOutlook retention;
    /** Set while a changed retention policy waits for --accept-retention: no retention removes anything. */
    private boolean retentionHeld;
    private final BackupLock lock;
    private final BackupState state;
    private final Journal journal;
    private final HashingCopier copier;
    private final Executor executor;
    private final ExecutorService copyPool;
    private final ExecutorService syncPool;
    private final Map<String, Scanner> scanners = new LinkedHashMap<>();
    /** Full scans started by {@link #runOnce}, used by the first full pass of each source. */
    private final Map<String, Future<ScanResult>> prefetched = new HashMap<>();
    /** Where copies wait, beside their destinations, to be moved into place. */
    private final StagingArea staging;
    /** The deletion guard: mount points, source folders' identity, held deletions. */
    private final Guard guard;
    /** Owns making the state durable: when, and how. */
    private final StateCommitter committer;
    private long chunkBytes = CHUNK_BYTES;
    private int chunkFiles = CHUNK_FILES;

    private Engine(Config config, Fs fs, Clock clock, Progress progress, EngineListener events, Guard guard, BackupLock lock, BackupState state,
            Journal journal, ExecutorService copyPool, ExecutorService syncPool, Map<String, Scanner> scanners) throws IOException {
        this.config = config;
        this.fs = fs;
        this.clock = clock;
        this.progress = progress;
        this.events = events;
        this.guard = guard;
        this.layout = new BackupLayout(config.backupRoot());
        this.retention = new PolicyOutlook(config, clock.getZone());
        this.store = new StateStore(layout, fs, clock, retention);
        this.lock = lock;
        this.state = state;
        this.journal = journal;
        this.copier = new HashingCopier(fs, config.hashAlgorithm());
        this.copyPool = copyPool;
        this.syncPool = syncPool;
        Map<String, Path> roots = new HashMap<>();
        for (SourceConfig s : config.sources()) {
            roots.put(s.name(), s.path());
        }
        this.scanners.putAll(scanners);
        this.executor = new Executor(layout, fs, journal, syncPool, roots, events);
        this.committer = new StateCommitter(state, store, journal, executor::syncFolders, clock, CommitPolicy.of(config));
        // The id names this engine's temp files; it is unique to it (the time it opened and the process).
        this.staging = StagingArea.create(layout, fs, System.currentTimeMillis());
    }

    /**
     * Opens the backup root: creates it if needed, takes the lock, loads the state, recovers an interrupted
     * batch, removes temp leftovers, and re-hashes the backup if {@code hash_algorithm} changed.
     */
    public static Engine open(Config config, Fs fs, Clock clock, Progress progress, EngineListener events)
            throws IOException, StateException, LockedException {
        return open(config, fs, clock, progress, events, Resources.acquire(config, fs, clock, Optional.empty()));
    }

    /** {@link #open(Config, Fs, Clock, Progress, EngineListener)} with no listener. */
    public static Engine open(Config config, Fs fs, Clock clock, Progress progress)
            throws IOException, StateException, LockedException {
        return open(config, fs, clock, progress, EngineListener.NONE);
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
            return pass.finished(once(config, fs, clock, progress, options, ahead, events, counts));
        } catch (IOException | StateException | LockedException | RuntimeException e) {
            pass.failed(e, counts.counts());
            throw e;
        }
    }

    private static PassResult once(Config config, Fs fs, Clock clock, Progress progress, PassOptions options,
            ScanAhead ahead, EngineListener events, Tally counts) throws IOException, StateException, LockedException {
        try (ahead) {
            long start = System.nanoTime();
            Resources r = Resources.acquire(config, fs, clock, Optional.of(ahead));
            boolean noIndex = false;
            Optional<Counts> unchanged = Optional.empty();
            try {
                if (!options.rehash() && r.journal.pending().isEmpty()) {
                    Optional<MetadataIndex> index = r.store.currentIndex();
                    PolicyOutlook retention = new PolicyOutlook(config, clock.getZone());
                    noIndex = index.isEmpty() || retention.stale(index.get(), clock.instant());
                    unchanged = UnchangedCheck.run(config, index, r.scanners, r.prefetched, r.guard, retention,
                            RetentionPass.disk(config), clock.instant());
                }
            } catch (IOException | RuntimeException e) {
                r.release();
                throw e;
            }
            if (unchanged.isPresent()) {
                r.release();
                return new PassResult(unchanged.get(), List.of(), List.of(), Duration.ofNanos(System.nanoTime() - start));
            }
            try (Engine engine = open(config, fs, clock, progress, events, r)) {
                PassResult pass = engine.full(options, counts);
                if ((noIndex || engine.committer.indexStale()) && !engine.committer.hasUncommittedChanges()) {
                    // Nothing to save, and no index for the state.json on disk (lost, or a crash came between the
                    // two writes), or one whose retention outlook is out of date (another policy, or its next removal
                    // came and removed nothing), or the pass appended its changes to the change log (the index is
                    // keyed by its last entry): write it now, or every later pass would load state.json until
                    // something changes.
                    engine.store.writeIndex(engine.state);
                    engine.committer.indexWritten();
                }
                return new PassResult(pass.counts(), pass.unavailable(), pass.problems(),
                        Duration.ofNanos(System.nanoTime() - start), pass.held(), pass.unavailableFolders());
            }
        }
    }

    /** What an engine holds before its state is loaded: the lock, its pools, the scanners and the scans they began. */
    private record Resources(BackupLayout layout, BackupLock lock, ExecutorService copyPool, ExecutorService syncPool,
            Map<String, Scanner> scanners, Map<String, Future<ScanResult>> prefetched, StateStore store, Journal journal,
            Guard guard) {

        static Resources acquire(Config config, Fs fs, Clock clock, Optional<ScanAhead> ahead) throws IOException, LockedException {
            BackupLayout layout = new BackupLayout(config.backupRoot());
            Modes.createFolders(config.backupRoot());
            BackupRoot dirs = new BackupRoot(layout.root(), fs);
            dirs.mkdirs(layout.tmpDir());
            dirs.mkdirs(layout.journalDir());
            // Made with the umask's mode by versions before 0600/0700 were given at creation: made private now.
            Modes.restrict(layout.privateDir());
            Modes.restrict(layout.stateFile());
            BackupLock lock = BackupLock.acquire(layout.lockFile(), layout.root());
            ExecutorService copyPool = null;
            ExecutorService syncPool = null;
            try {
                copyPool = Executors.newFixedThreadPool(COPY_THREADS, Threads.named("keepwatch-copy"));
                syncPool = Executors.newFixedThreadPool(16, Threads.named("keepwatch-sync"));
                Map<String, Scanner> scanners = ahead.map(ScanAhead::scanners).orElseGet(() -> ScanAhead.scannersOf(config, fs));
                Map<String, Future<ScanResult>> prefetched = ahead.map(ScanAhead::scans).orElse(Map.of());
                StateStore store = new StateStore(layout, fs, clock, new PolicyOutlook(config, clock.getZone()));
                store.cleanLeftovers();
                // Before anything looks at the backup root: a first run that crashed before its first batch leaves
                // only staged copies (in folders made for them), which must not read as backups made earlier.
                StagingArea.cleanLeftovers(layout, fs);
                return new Resources(layout, lock, copyPool, syncPool, scanners, prefetched, store, new Journal(layout, fs),
                        Guard.load(layout, fs));
            } catch (IOException | RuntimeException e) {
                if (copyPool != null) {
                    copyPool.shutdownNow();
                }
                if (syncPool != null) {
                    syncPool.shutdownNow();
                }
                lock.close();
                throw e;
            }
        }

        void release() throws IOException {
            copyPool.shutdownNow();
            syncPool.shutdownNow();
            lock.close();
        }
    }

    private static Engine open(Config config, Fs fs, Clock clock, Progress progress, EngineListener events, Resources r)
            throws IOException, StateException {
        try {
            Optional<BackupState> loaded = r.store.load();
            if (loaded.isEmpty() && r.journal.pending().isEmpty()) {
                // With a journal, a first run was interrupted before its first save: recovery accounts for its files.
                refuseIfBackupExists(r.layout, config, r.store);
            }
            BackupState state = loaded.orElseGet(() -> new BackupState(config.hashAlgorithm().configName()));
            Engine engine = new Engine(config, fs, clock, progress, events, r.guard, r.lock, state, r.journal, r.copyPool, r.syncPool, r.scanners);
            engine.prefetched.putAll(r.prefetched);
            engine.recover();
            engine.migrateHashAlgorithm();
            return engine;
        } catch (IOException | StateException | RuntimeException e) {
            r.release();
            throw e;
        }
    }

    private static void refuseIfBackupExists(BackupLayout layout, Config config, StateStore store) throws IOException, StateException {
        List<Path> candidates = new ArrayList<>(List.of(layout.root().resolve(BackupLayout.VERSIONS),
                layout.root().resolve(BackupLayout.DELETED), layout.root().resolve(BackupLayout.DUPLICATES)));
        config.sources().forEach(s -> candidates.add(layout.sourceMirror(s.name())));
        for (Path p : candidates) {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                    if (ds.iterator().hasNext()) {
                        throw new StateException(store.file(), "state file is missing but the backup root already holds backups ("
                                + p + "); keepwatch will not start from nothing over them. Run `keepwatch rebuild-state`", null);
                    }
                }
            }
        }
    }

    public Config config() {
        return config;
    }

    public BackupLayout layout() {
        return layout;
    }

    /** The state; only for the engine's thread. */
    public BackupState state() {
        return state;
    }

    private void recover() throws IOException {
        List<Journal.Batch> pending = journal.pending();
        if (pending.isEmpty()) {
            return;
        }
        Recovery recovery = new Recovery(layout, copier, new BackupRoot(layout.root(), fs));
        for (Journal.Batch b : pending) {
            recovery.apply(b, state);
        }
        store.save(state);
        journal.clearThrough(pending.get(pending.size() - 1).seq());
    }

    /** After {@code hash_algorithm} changed: re-hash every file the backup holds, so no version is created. */
    private void migrateHashAlgorithm() throws IOException {
        String wanted = config.hashAlgorithm().configName();
        if (state.hashAlgorithm().equals(wanted)) {
            return;
        }
        new HashMigration(layout, copier, new BackupRoot(layout.root(), fs)).migrate(state, wanted);
        store.save(state);
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
        PassEvents pass = PassEvents.start(events, clock, Trigger.ONCE, config.sources().stream().map(SourceConfig::name).toList());
        Tally counts = new Tally();
        try {
            return pass.finished(full(options, counts));
        } catch (IOException | RuntimeException e) {
            pass.failed(e, counts.counts());
            throw e;
        }
    }

    /** A full pass over every source, counting into {@code counts}. */
    private PassResult full(PassOptions options, Tally counts) throws IOException {
        long start = System.nanoTime();
        List<String> unavailable = new ArrayList<>();
        // Records of state.json set aside when it was read: never acted on, but every full pass counts each as a failure.
        for (io.keepwatch.state.QuarantinedRecord q : state.quarantined()) {
            counts.fail(new EngineEvent.Failure(clock.instant(), q.source(), q.path(), FailureReason.UNSAFE_PATH,
                    "state.json record quarantined (kept aside in state.json, never acted on): " + q.describe()), events);
        }
        for (SourceConfig source : config.sources()) {
            passOverSource(source, Optional.empty(), options, counts, unavailable);
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
        PassEvents pass = PassEvents.start(events, clock, trigger, List.of(sourceName));
        Tally counts = new Tally();
        try {
            long start = System.nanoTime();
            List<String> unavailable = new ArrayList<>();
            passOverSource(config.source(sourceName), Optional.empty(), PassOptions.DEFAULT, counts, unavailable);
            applyRetention(false, ref -> true, counts);
            commit();
            return pass.finished(result(counts, unavailable, start, List.of(config.source(sourceName))));
        } catch (IOException | RuntimeException e) {
            pass.failed(e, counts.counts());
            throw e;
        }
    }

    /**
     * A pass over some paths of one source (files or folders; gone ones count as deleted). The state is
     * not saved here: call {@link #commit()} (the service coalesces saves).
     */
    public PassResult runPaths(String sourceName, Collection<String> rels) throws IOException {
        PassEvents pass = PassEvents.start(events, clock, Trigger.BATCH, List.of(sourceName));
        Tally counts = new Tally();
        try {
            long start = System.nanoTime();
            List<String> unavailable = new ArrayList<>();
            passOverSource(config.source(sourceName), Optional.of(withLiveAncestors(sourceName, rels)), PassOptions.DEFAULT,
                    counts, unavailable);
            return pass.finished(result(counts, unavailable, start, List.of(config.source(sourceName))));
        } catch (IOException | RuntimeException e) {
            pass.failed(e, counts.counts());
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
            guard.unavailable(s.name()).keySet().forEach(rel -> folders.add(s.name() + "/" + rel));
        }
        return new PassResult(counts.counts(), unavailable, counts.failures(), Duration.ofNanos(System.nanoTime() - start), held,
                folders);
    }

    /** The deletions the deletion guard holds in a source now (what {@code status} shows). */
    public int heldDeletions(String sourceName) {
        return guard.holds().count(sourceName);
    }

    /** Why the deletion guard holds deletions of a source, if it does. */
    public Optional<String> heldReason(String sourceName) {
        return guard.holds().reason(sourceName);
    }

    /** Whether {@code keepwatch accept-deletions} asked for a full pass of a source that makes its held deletions. */
    public boolean acceptRequested(String sourceName) {
        return guard.requests().pending(sourceName);
    }

    /** The folders of a source that are unavailable (unmounted mount points), with the reason. */
    public Map<String, String> unavailableFolders(String sourceName) {
        return guard.unavailable(sourceName);
    }

    /**
     * Looks at the mount points inside a source now (the service's poll): one that is gone becomes unavailable (an
     * ERROR); returns whether one that was unavailable is mounted again, so a full pass should take it back.
     */
    public boolean pollMounts(String sourceName) {
        SourceConfig source = config.source(sourceName);
        try {
            return guard.poll(source, source.path().toRealPath());
        } catch (IOException e) {
            return false; // the source itself is gone: its own probe says so
        }
    }

    /** Whether a source can be read now (used by the service to resume a source that came back). */
    public Availability probe(String sourceName) {
        return scanners.get(sourceName).probe(state.device(sourceName));
    }

    /** If a path's parent folder is recorded as a live file, that file must be looked at too (file became folder). */
    private Set<String> withLiveAncestors(String source, Collection<String> rels) {
        Set<String> out = new HashSet<>(rels);
        Map<String, LiveFile> live = state.liveFiles(source);
        for (String rel : rels) {
            for (int slash = rel.indexOf('/'); slash > 0; slash = rel.indexOf('/', slash + 1)) {
                String parent = rel.substring(0, slash);
                if (live.containsKey(parent)) {
                    out.add(parent);
                }
            }
        }
        return out;
    }

    private void passOverSource(SourceConfig source, Optional<Set<String>> paths, PassOptions options, Tally counts,
            List<String> unavailable) throws IOException {
        staging.recheck();
        Scanner scanner = scanners.get(source.name());
        // A request of `keepwatch accept-deletions` is taken by the next full pass of its source, whatever comes of it.
        boolean accepted = paths.isEmpty() && (options.acceptDeletions().contains(source.name())
                || guard.requests().take(source.name(), clock.instant()));
        Availability availability = scanner.probe(state.device(source.name()));
        Optional<Future<ScanResult>> early = Optional.ofNullable(prefetched.remove(source.name()));
        if (availability instanceof Availability.Unavailable u) {
            early.ifPresent(f -> f.cancel(true));
            log.error("Source {} is UNAVAILABLE: {}. Nothing of it is treated as deleted; it is backed up again once it is back.",
                    source.name(), u.reason());
            unavailable.add(source.name());
            return;
        }
        String device = ((Availability.Available) availability).device();
        String rootKey = ((Availability.Available) availability).rootKey();
        boolean rootReplaced = guard.rootReplaced(source.name(), rootKey, device.equals(state.device(source.name()).orElse(device)));
        ScanResult scan = paths.isPresent() ? scanner.scan(paths.get())
                : early.isPresent() ? Parallel.get(early.get()) : scanner.scanAll();
        int liveBefore = state.liveCount(source.name());
        if (paths.isEmpty() && scan.files().isEmpty() && scan.unknown().isEmpty() && liveBefore > 0
                && !options.acceptEmpty().contains(source.name())) {
            log.error("Source {} is UNAVAILABLE: '{}' is empty but {} files of it are backed up (unmounted disk?). Nothing is "
                    + "treated as deleted. If you really deleted everything, run `keepwatch once --accept-empty {}`.",
                    source.name(), source.path(), liveBefore, source.name());
            unavailable.add(source.name());
            return;
        }
        if (!device.isEmpty() && !device.equals(state.device(source.name()).orElse(""))) {
            state.device(source.name()).ifPresent(was -> log.warn("Source {} is now on device {} (was {} when last backed up); "
                    + "'{}' is a mount point, so this is taken as its disk mounted again", source.name(), device, was, source.path()));
            state.setDevice(source.name(), device);
            committer.markDirty();
        }
        Path realRoot = source.path().toRealPath();
        scan = paths.isPresent() ? guard.pathScan(source, realRoot, paths.get(), scan)
                : guard.fullScan(source, realRoot, scan, scanner::skips, accepted);
        for (ScanProblem p : scan.problems()) {
            counts.fail(new EngineEvent.Failure(clock.instant(), source.name(), p.rel(), p.reason(), p.line()), events);
        }
        logSkipped(source.name(), scan);

        List<Optional<LiveFile>> liveOf = new ArrayList<>(scan.files().size());
        List<String> found = new ArrayList<>();
        match(source.name(), scan, liveOf, found);
        List<String> absent = guard.deletable(source.name(), paths.isEmpty(), liveBefore, found,
                paths.isEmpty() || heldDeletions(source.name()) == 0 ? List.of() : scan.files().stream().map(ScannedFile::rel).toList(),
                source, accepted, rootKey, rootReplaced);
        guard.save();

        Set<String> touchedRels = new HashSet<>();
        List<Chunk> chunks = chunks(source, scan.files(), liveOf, options, absent, counts);
        long toCopy = chunks.stream().mapToLong(Chunk::readBytes).sum();
        if (toCopy > 0) {
            progress.begin("copying " + source.name(), toCopy);
        }
        // Each chunk's files are copied while the chunk before it is flushed, planned and executed, so the disk
        // and the cores are not idle in turn. The copies read no state: what they need was looked up here.
        ChunkCopies next = stage(source, chunks.get(0));
        for (int k = 0; k < chunks.size(); k++) {
            ChunkCopies current = next;
            next = k + 1 < chunks.size() ? stage(source, chunks.get(k + 1)) : null;
            try {
                finishChunk(source, current, counts, touchedRels, paths.isEmpty());
            } catch (IOException | RuntimeException e) {
                if (next != null) {
                    next.abandon();
                }
                throw e;
            }
        }
        if (toCopy > 0) {
            progress.end();
        }
        EmptyFolders folders = EmptyFolders.update(state, source.name(), scan, clock.instant());
        if (!folders.isEmpty()) {
            committer.markDirty();
            committer.noteFolders(executor.mirrorEmptyFolders(source.name(), folders.made(), folders.ended()));
        }

        if (paths.isPresent() && !retentionHeld) {
            List<Action> pruning = retentionFor(source.name(), touchedRels);
            if (!pruning.isEmpty()) {
                record(executor.run(pruning, state, clock.instant()), pruning.size(), counts);
            }
        }
    }

    /**
     * Retention over every source at the end of a full pass ({@link RetentionPass}): applied, or held while a changed
     * policy that would remove most old versions waits for {@code accept}.
     *
     * @param scope the paths whose removals are carried out ({@code keepwatch prune --source/--path}); the plan, its
     *     size limits and the check of a changed policy cover the whole root all the same
     * @return what retention decided, and whether it was held
     */
    public RetentionPass.Decision applyRetention(boolean accept, java.util.function.Predicate<FileRef> scope, Tally counts)
            throws IOException {
        RetentionPlan plan = RetentionPass.plan(config, state, clock);
        RetentionPass.Decision d = RetentionPass.decide(plan, layout, retention, accept);
        retentionHeld = d.held();
        events.on(new EngineEvent.RetentionDecided(clock.instant(), d.held(), d.held() ? plan.versionsRemoved() : 0,
                d.held() ? plan.versions() : 0, plan.warnings()));
        List<Action> removals = d.removals().stream().filter(a -> scope.test(a.ref())).toList();
        if (!removals.isEmpty()) {
            record(executor.run(removals, state, clock.instant()), removals.size(), counts);
        }
        if (d.acceptPolicy().isPresent()) {
            AcceptedPolicy.write(layout, fs, d.acceptPolicy().get());
        }
        return d;
    }

    /** The retention policy of this engine's configuration, as the index and {@code prune} see it. */
    public PolicyOutlook retentionPolicy() {
        return retention;
    }

    /**
     * Pairs a scan with the state: {@code liveOf} gets, for each scanned file in order, what the state holds at
     * its path; {@code absent} gets the live paths the scan covered and did not find. A scan of the whole source
     * is merged with the state's sorted live files in one sweep (both are in path order), with no lookup per
     * file; a scan of some paths looks its files up.
     */
    private void match(String source, ScanResult scan, List<Optional<LiveFile>> liveOf, List<String> absent) {
        List<ScannedFile> files = scan.files();
        if (scan.covered().equals(Set.of(""))) {
            java.util.Iterator<Map.Entry<String, LiveFile>> live = state.liveSorted(source).entrySet().iterator();
            Map.Entry<String, LiveFile> next = live.hasNext() ? live.next() : null;
            for (ScannedFile f : files) {
                while (next != null && next.getKey().compareTo(f.rel()) < 0) {
                    if (scan.covers(next.getKey())) {
                        absent.add(next.getKey());
                    }
                    next = live.hasNext() ? live.next() : null;
                }
                if (next != null && next.getKey().equals(f.rel())) {
                    liveOf.add(Optional.of(next.getValue()));
                    next = live.hasNext() ? live.next() : null;
                } else {
                    liveOf.add(Optional.empty());
                }
            }
            for (; next != null; next = live.hasNext() ? live.next() : null) {
                if (scan.covers(next.getKey())) {
                    absent.add(next.getKey());
                }
            }
            return;
        }
        Set<String> seen = new HashSet<>(files.size() * 2);
        for (ScannedFile f : files) {
            seen.add(f.rel());
            liveOf.add(state.live(new FileRef(source, f.rel())));
        }
        for (String covered : scan.covered()) {
            for (String rel : state.liveUnder(source, covered)) {
                if (!seen.contains(rel) && scan.covers(rel)) {
                    absent.add(rel);
                }
            }
        }
    }

    /** The line that says what a scan passed over (links, FIFOs, sockets, devices), if it passed over anything. */
    static void logSkipped(String source, ScanResult scan) {
        if (log.isDebugEnabled()) {
            scan.links().forEach(rel -> log.debug("SKIP: {}/{} (symbolic link: not followed, not backed up)", source, rel));
        }
        scan.special().forEach(rel -> log.info("SKIP: {}/{} (not a regular file: FIFO, socket or device)", source, rel));
        if (scan.skippedLinks() + scan.skippedSpecial() > 0) {
            log.info("Skipped in {}: {} symbolic link(s), {} FIFO/socket/device file(s) (not backed up; see README)",
                    source, scan.skippedLinks(), scan.skippedSpecial());
        }
    }

    private List<Action> retentionFor(String source, Set<String> rels) {
        List<Action> out = new ArrayList<>();
        io.keepwatch.config.RetentionConfig policy = config.retention(source);
        java.time.ZoneId zone = policy.zoneOr(clock.getZone());
        for (String rel : rels) {
            FileRef ref = new FileRef(source, rel);
            out.addAll(RetentionPolicy.apply(ref, state.history(ref), policy, zone, clock.instant()));
        }
        return out;
    }


    /**
     * One chunk of a pass: files to read (copy while hashing, or hash only), with what the state holds of each;
     * files observed from their metadata (the stored hash is trusted); and, in the first chunk, the paths gone.
     */
    private record Chunk(List<ScannedFile> toRead, List<Optional<LiveFile>> liveOfRead, long readBytes, List<Observed> known,
            List<String> absent) {
    }

    /** A chunk whose copies are under way. */
    private final class ChunkCopies {
        final Chunk chunk;
        final List<Future<Observed>> copies = new ArrayList<>();
        /** Set when the pass stopped before this chunk: copies not begun yet then end at once, unmade. */
        final java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        /** Done when the copies are, and what they staged is durable (see {@link #stage}). */
        Future<?> durable;

        ChunkCopies(Chunk chunk) {
            this.chunk = chunk;
        }

        /** Lets no further copy begin, waits for those under way, and deletes what every copy staged. */
        void abandon() {
            abandoned.set(true);
            for (Future<Observed> f : copies) {
                try {
                    Optional<String> staged = Parallel.get(f).staged();
                    if (staged.isPresent()) {
                        staging.delete(staged.get());
                    }
                } catch (IOException | RuntimeException e) {
                    // Not made (abandoned before it began) or failed: nothing staged. A leftover would be removed
                    // at the next start anyway.
                    log.debug("Abandoned copy: {}", Parallel.reason(e));
                }
            }
        }
    }

    /**
     * Splits a scan into chunks: files in sorted order until {@link #CHUNK_BYTES} or {@link #CHUNK_FILES} need
     * reading (a crash loses at most one chunk of copying). Files whose size, mtime and inode are unchanged are
     * observed with their stored hash and never read; those exactly as recorded (permission bits too) are only
     * counted, since the planner would call them unchanged. There is always one chunk, for the paths gone.
     */
    private List<Chunk> chunks(SourceConfig source, List<ScannedFile> files, List<Optional<LiveFile>> liveOf,
            PassOptions options, List<String> absent, Tally counts) {
        List<Chunk> chunks = new ArrayList<>();
        int i = 0;
        do {
            List<Observed> known = new ArrayList<>();
            List<ScannedFile> toRead = new ArrayList<>();
            List<Optional<LiveFile>> liveOfRead = new ArrayList<>();
            long bytes = 0;
            while (i < files.size() && bytes < chunkBytes && toRead.size() < chunkFiles) {
                Optional<LiveFile> live = liveOf.get(i);
                ScannedFile f = files.get(i++);
                if (!options.rehash() && live.isPresent() && live.get().sameMetadata(f.size(), f.mtime(), f.inode())) {
                    if (live.get().perms().equals(f.perms())) {
                        counts.unchanged++;
                        if (log.isDebugEnabled()) {
                            log.debug("SKIP: {} (unchanged)", BackupLayout.resolve(source.path(), f.rel()));
                        }
                        continue;
                    }
                    known.add(new Observed(f.rel(), new FileFacts(live.get().hash(), f.size(), f.mtime(), f.inode(), f.perms()),
                            Optional.empty()));
                } else {
                    toRead.add(f);
                    liveOfRead.add(live);
                    bytes += f.size();
                }
            }
            chunks.add(new Chunk(toRead, liveOfRead, bytes, known, chunks.isEmpty() ? absent : List.of()));
        } while (i < files.size());
        return chunks;
    }

    /** Starts copying a chunk's files on the copy pool. */
    private ChunkCopies stage(SourceConfig source, Chunk chunk) {
        ChunkCopies chunkCopies = new ChunkCopies(chunk);
        if (!chunk.toRead().isEmpty()) {
            List<String> rels = new ArrayList<>(chunk.toRead().size());
            chunk.toRead().forEach(f -> rels.add(f.rel()));
            staging.prepare(source.name(), rels);
        }
        for (int k = 0; k < chunk.toRead().size(); k++) {
            ScannedFile f = chunk.toRead().get(k);
            Optional<LiveFile> live = chunk.liveOfRead().get(k);
            chunkCopies.copies.add(copyPool.submit(() -> {
                if (chunkCopies.abandoned.get()) {
                    throw new java.io.InterruptedIOException("pass stopped before " + source.name() + "/" + f.rel() + " was read");
                }
                return read(source, f, live);
            }));
        }
        // The staged copies are made durable as soon as they are all made, on the sync pool, not when this chunk's
        // turn to be executed comes: the syncfs then runs while the chunk before is still being executed (it took
        // 0.1-0.2 s a chunk on data set A, each of them spent waiting on the engine thread before).
        chunkCopies.durable = syncPool.submit(() -> {
            List<String> names = new ArrayList<>();
            for (Future<Observed> copy : chunkCopies.copies) {
                try {
                    Parallel.get(copy).staged().ifPresent(names::add);
                } catch (IOException | RuntimeException e) {
                    // finishChunk reports this copy's failure, from the same future; nothing of it was staged.
                    if (Thread.currentThread().isInterrupted()) {
                        throw new java.io.InterruptedIOException("stopped while waiting for the copies of a chunk");
                    }
                }
            }
            if (!names.isEmpty()) {
                syncStaged(names);
            }
            return null;
        });
        return chunkCopies;
    }

    /**
     * Waits for a chunk's copies, makes them durable, then plans and executes the chunk; a full pass commits when its
     * commit policy says so (path batches leave it to the service's {@link #flushIfDue}).
     */
    private void finishChunk(SourceConfig source, ChunkCopies chunkCopies, Tally counts,
            Set<String> touchedRels, boolean fullPass) throws IOException {
        Chunk chunk = chunkCopies.chunk;
        List<String> absent = new ArrayList<>(chunk.absent());
        List<Observed> observed = new ArrayList<>(chunk.known().size() + chunk.toRead().size());
        observed.addAll(chunk.known());
        List<String> staged = new ArrayList<>();
        for (int k = 0; k < chunkCopies.copies.size(); k++) {
            ScannedFile f = chunk.toRead().get(k);
            try {
                Observed o = Parallel.get(chunkCopies.copies.get(k));
                observed.add(o);
                o.staged().ifPresent(staged::add);
            } catch (NoSuchFileException e) {
                log.info("{}/{} vanished during the pass", source.name(), f.rel());
                if (chunk.liveOfRead().get(k).isPresent()) {
                    absent.add(f.rel());
                }
            } catch (IOException e) {
                counts.fail(new EngineEvent.Failure(clock.instant(), source.name(), f.rel(),
                        FailureReason.of(e, FailureReason.UNREADABLE), source.name() + "/" + f.rel() + ": " + Parallel.reason(e)), events);
            }
        }
        Parallel.get(chunkCopies.durable);
        Planner.Plan plan = Planner.plan(source.name(), observed, absent, state);
        counts.unchanged += plan.unchanged();
        if (log.isDebugEnabled()) {
            Set<String> acted = new HashSet<>();
            plan.actions().forEach(a -> acted.add(a.ref().rel()));
            observed.stream().filter(o -> !acted.contains(o.rel()))
                    .forEach(o -> log.debug("SKIP: {} (unchanged)", BackupLayout.resolve(source.path(), o.rel())));
        }
        final Executor.Outcome outcome;
        try {
            outcome = executor.run(plan.actions(), state, clock.instant());
        } catch (IOException | RuntimeException e) {
            deleteStaged(staged);
            throw e;
        }
        record(outcome, plan.actions().size(), counts);
        for (Action a : plan.actions()) {
            if (a.accept(ADDS_HISTORY)) {
                touchedRels.add(a.ref().rel());
            }
        }
        // Staged copies were renamed into place by the actions that succeeded; the rest (failed actions, and a
        // file that changed back between its two reads) are deleted here.
        Set<String> leftover = new HashSet<>(staged);
        plan.actions().stream().filter(a -> !outcome.failedActions().contains(a))
                .map(a -> a.accept(STAGED)).flatMap(Optional::stream).forEach(leftover::remove);
        deleteStaged(List.copyOf(leftover));
        if (fullPass && committer.passCommitDue()) {
            commit();
        }
    }

    /** Deletes staged copies that were not moved into place, and the folders that leaves empty (made to stage in). */
    private void deleteStaged(List<String> names) throws IOException {
        Set<Path> folders = new HashSet<>();
        for (String name : names) {
            staging.delete(name);
            folders.add(staging.path(name).getParent());
        }
        if (!folders.isEmpty()) {
            committer.noteFolders(executor.removeEmptyFolders(folders));
        }
    }

    /** The staged copy an action moves into place, if it moves one. */
    private static final Action.Visitor<Optional<String>, RuntimeException> STAGED = new Action.Visitor<>() {
        @Override
        public Optional<String> backup(Action.Backup a) {
            return Optional.of(a.staged());
        }

        @Override
        public Optional<String> update(Action.Update a) {
            return Optional.of(a.staged());
        }

        @Override
        public Optional<String> duplicate(Action.Duplicate a) {
            return Optional.of(a.staged());
        }

        @Override
        public Optional<String> refresh(Action.Refresh a) {
            return Optional.empty();
        }

        @Override
        public Optional<String> delete(Action.Delete a) {
            return Optional.empty();
        }

        @Override
        public Optional<String> pruneVersion(Action.PruneVersion a) {
            return Optional.empty();
        }

        @Override
        public Optional<String> pruneDeleted(Action.PruneDeleted a) {
            return Optional.empty();
        }
    };

    /** Whether an action gives its path an old version or a deleted file (that retention may then remove). */
    private static final Action.Visitor<Boolean, RuntimeException> ADDS_HISTORY = new Action.Visitor<>() {
        @Override
        public Boolean backup(Action.Backup a) {
            return false;
        }

        @Override
        public Boolean update(Action.Update a) {
            return true;
        }

        @Override
        public Boolean duplicate(Action.Duplicate a) {
            return false;
        }

        @Override
        public Boolean refresh(Action.Refresh a) {
            return false;
        }

        @Override
        public Boolean delete(Action.Delete a) {
            return true;
        }

        @Override
        public Boolean pruneVersion(Action.PruneVersion a) {
            return false;
        }

        @Override
        public Boolean pruneDeleted(Action.PruneDeleted a) {
            return false;
        }
    };

    /** Smaller chunks and commit points, so tests can make many of each from a few files. */
    void limitChunks(long bytes, int files, int actionsPerCommit) {
        this.chunkBytes = bytes;
        this.chunkFiles = files;
        committer.setPolicy(committer.policy().withPassActions(actionsPerCommit));
    }

    private void record(Executor.Outcome o, int actions, Tally counts) {
        counts.add(o.tally());
        committer.noteBatch(o, actions);
    }

    /**
     * Reads one file on the copy pool: hash only when the content is probably unchanged ({@code live}, what the
     * state held when the chunk was made, has its size), else copy while hashing.
     */
    private Observed read(SourceConfig source, ScannedFile f, Optional<LiveFile> live) throws IOException {
        try {
            return readNamed(source, f, live);
        } catch (java.nio.file.InvalidPathException e) {
            // A name this system cannot make (see FileNames): this file fails, loudly; the pass goes on.
            throw new java.nio.file.FileSystemException(source.name() + "/" + f.rel(), null, e.getReason());
        }
    }

    private Observed readNamed(SourceConfig source, ScannedFile f, Optional<LiveFile> live) throws IOException {
        Path file = BackupLayout.resolve(source.path(), f.rel());
        if (live.isPresent() && live.get().size() == f.size()) {
            FileFacts facts = copier.hash(file);
            progress.advance(f.size());
            if (facts.hash().equals(live.get().hash())) {
                return new Observed(f.rel(), facts, Optional.empty());
            }
        }
        StagingArea.Staged<FileFacts> staged = staging.stage(source.name(), f.rel(), target -> copier.copy(file, target));
        progress.advance(f.size());
        return new Observed(f.rel(), staged.result(), Optional.of(staged.name()));
    }

    /** From this many files on, one filesystem-wide flush replaces the fsyncs of single files. */
    static final int SYNCFS_THRESHOLD = 64;

    /**
     * Makes every staged copy durable before anything is renamed into place: one syncfs for a large batch,
     * else an fsync per file, many at once (the disk and the kernel batch them).
     */
    private void syncStaged(List<String> names) throws IOException {
        if (names.size() >= SYNCFS_THRESHOLD && fs.syncFileSystem(layout.root())) {
            return;
        }
        List<Future<?>> futures = new ArrayList<>(names.size());
        for (String name : names) {
            Path p = staging.path(name);
            futures.add(syncPool.submit(() -> {
                fs.syncFile(p);
                return null;
            }));
        }
        Parallel.awaitAll(futures);
    }

    /** Makes every change durable now. */
    public void commit() throws IOException {
        committer.commit();
    }

    /**
     * The service's tick: makes the changes durable if its commit policy says it is time.
     *
     * @return when a flush is due next, if anything waits to be flushed
     */
    public Optional<java.time.Instant> flushIfDue(java.time.Instant now) throws IOException {
        return committer.flushIfDue(now);
    }

    public boolean hasUncommittedChanges() {
        return committer.hasUncommittedChanges();
    }

    /**
     * Drops the engine without saving anything, as if the process had died here (tests simulate crashes
     * with it): pools stop, the lock is released, the state on disk stays as it is.
     */
    void abandon() throws IOException, InterruptedException {
        store.changes().close();
        copyPool.shutdownNow();
        syncPool.shutdownNow();
        copyPool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        syncPool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        lock.close();
    }

    @Override
    public void close() throws IOException {
        try {
            committer.close();
            staging.close();
        } finally {
            copyPool.shutdownNow();
            syncPool.shutdownNow();
            lock.close();
        }
    }
}
