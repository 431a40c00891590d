package io.keepwatch.engine;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.FailureReason;
import io.keepwatch.execute.Executor;
import io.keepwatch.execute.Parallel;
import io.keepwatch.execute.StagingArea;
import io.keepwatch.execute.Tally;
import io.keepwatch.guard.Guard;
import io.keepwatch.plan.Action;
import io.keepwatch.plan.Observed;
import io.keepwatch.plan.Planner;
import io.keepwatch.scan.Availability;
import io.keepwatch.scan.ScanProblem;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.scan.Scanner;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.LiveFile;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pass over one source, or over some paths of it: probe that the source is there; scan (or take the scan begun
 * ahead); let the deletion guard judge what the scan found and what is gone; match the scan with the state
 * ({@link ScanMatcher}) and split it into chunks ({@link Chunker}); copy each chunk on the {@link CopyPipeline} while
 * the chunk before is planned and executed ({@link BatchRunner}); keep the source's empty folders; and, for a pass over
 * some paths, apply retention to the paths that gained history. The pass counts into the caller's {@link Tally}.
 *
 * <p>Just over 300 lines: the pass's steps in order, and the two small visitors of what an action leaves behind.
 */
final class SourcePass {
    private static final Logger log = LoggerFactory.getLogger(SourcePass.class);

    private final Clock clock;
    private final EngineListener events;
    private final BackupState state;
    private final Map<String, Scanner> scanners;
    /** Full scans begun ahead ({@link ScanAhead}), each used by the first full pass of its source. */
    private final Map<String, Future<ScanResult>> prefetched;
    private final Guard guard;
    private final StagingArea staging;
    private final CopyPipeline pipeline;
    private final BatchRunner batches;
    private final RetentionStep retention;
    private final Progress progress;
    private Chunker chunker = Chunker.standard();

    SourcePass(Clock clock, EngineListener events, BackupState state, Map<String, Scanner> scanners,
            Map<String, Future<ScanResult>> prefetched, Guard guard, StagingArea staging, CopyPipeline pipeline,
            BatchRunner batches, RetentionStep retention, Progress progress) {
        this.clock = clock;
        this.events = events;
        this.state = state;
        this.scanners = scanners;
        this.prefetched = new java.util.HashMap<>(prefetched);
        this.guard = guard;
        this.staging = staging;
        this.pipeline = pipeline;
        this.batches = batches;
        this.retention = retention;
        this.progress = progress;
    }

    /** Smaller chunks, so tests can make many from a few files. */
    void useChunker(Chunker smaller) {
        this.chunker = smaller;
    }

    /** A full pass over a source; a source that cannot be read is added to {@code unavailable}. */
    void full(SourceConfig source, Engine.PassOptions options, Tally counts, List<String> unavailable) throws IOException {
        full(source, options, counts, unavailable, Optional.empty());
    }

    /** {@link #full(SourceConfig, Engine.PassOptions, Tally, List)} with a scan begun earlier, if given. */
    void full(SourceConfig source, Engine.PassOptions options, Tally counts, List<String> unavailable,
            Optional<Future<ScanResult>> scanned) throws IOException {
        run(source, Optional.empty(), scanned, options, counts, unavailable);
    }

    /** A pass over some paths of a source (files or folders; gone ones count as deleted). */
    void paths(SourceConfig source, Collection<String> rels, Tally counts, List<String> unavailable) throws IOException {
        run(source, Optional.of(withLiveAncestors(source.name(), rels)), Optional.empty(), Engine.PassOptions.DEFAULT, counts,
                unavailable);
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

    /**
     * The pass: over the whole source when {@code paths} is empty, else over those paths; a whole pass uses the scan
     * {@code scanned} (or one begun ahead for it) if there is one.
     */
    private void run(SourceConfig source, Optional<Set<String>> paths, Optional<Future<ScanResult>> scanned,
            Engine.PassOptions options, Tally counts, List<String> unavailable) throws IOException {
        staging.recheck();
        Scanner scanner = scanners.get(source.name());
        // A request of `keepwatch accept-deletions` is taken by the next full pass of its source, whatever comes of it.
        boolean accepted = paths.isEmpty() && (options.acceptDeletions().contains(source.name())
                || guard.requests().take(source.name(), clock.instant()));
        Availability availability = scanner.probe(state.device(source.name()));
        Optional<Future<ScanResult>> early = scanned.or(() -> Optional.ofNullable(prefetched.remove(source.name())));
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
            batches.markDirty();
        }
        Path realRoot = source.path().toRealPath();
        scan = paths.isPresent() ? guard.pathScan(source, realRoot, paths.get(), scan)
                : guard.fullScan(source, realRoot, scan, scanner::skips, accepted);
        for (ScanProblem p : scan.problems()) {
            counts.fail(new EngineEvent.Failure(clock.instant(), source.name(), p.rel(), p.reason(), p.line()), events);
        }
        logSkipped(source.name(), scan);

        ScanMatcher.Match match = ScanMatcher.match(source.name(), scan, state, !options.rehash());
        List<String> absent = guard.deletable(source.name(), paths.isEmpty(), liveBefore, match.absent(),
                paths.isEmpty() || guard.holds().count(source.name()) == 0 ? List.of() : scan.files().stream().map(ScannedFile::rel).toList(),
                source, accepted, rootKey, rootReplaced);
        guard.save();

        Set<String> touchedRels = new HashSet<>();
        List<ScannedFile> found = scan.files();
        java.util.function.IntConsumer unchanged = i -> {
            counts.unchanged++;
            if (log.isDebugEnabled()) {
                log.debug("SKIP: {} (unchanged)", BackupLayout.resolve(source.path(), found.get(i).rel()));
            }
        };
        List<Chunker.Chunk> chunks = chunker.split(scan.files(), match.liveOf(), match.unchanged(), options.rehash(), absent,
                unchanged);
        long toCopy = chunks.stream().mapToLong(Chunker.Chunk::readBytes).sum();
        if (toCopy > 0) {
            progress.begin("copying " + source.name(), toCopy);
        }
        // Each chunk's files are copied while the chunk before it is flushed, planned and executed, so the disk
        // and the cores are not idle in turn. The copies read no state: what they need was looked up here.
        CopyPipeline.Copies next = pipeline.stage(source, chunks.get(0));
        for (int k = 0; k < chunks.size(); k++) {
            CopyPipeline.Copies current = next;
            next = k + 1 < chunks.size() ? pipeline.stage(source, chunks.get(k + 1)) : null;
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
            batches.mirrorEmptyFolders(source.name(), folders.made(), folders.ended());
        }

        if (paths.isPresent()) {
            retention.applyTo(source.name(), touchedRels, counts);
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

    /**
     * Waits for a chunk's copies, makes them durable, then plans and executes the chunk; a full pass commits when its
     * commit policy says so (path batches leave it to the service's {@link Engine#flushIfDue}).
     */
    private void finishChunk(SourceConfig source, CopyPipeline.Copies chunkCopies, Tally counts,
            Set<String> touchedRels, boolean fullPass) throws IOException {
        Chunker.Chunk chunk = chunkCopies.chunk();
        List<String> absent = new ArrayList<>(chunk.absent());
        List<Observed> observed = new ArrayList<>(chunk.known().size() + chunk.toRead().size());
        observed.addAll(chunk.known());
        List<String> staged = new ArrayList<>();
        for (int k = 0; k < chunk.toRead().size(); k++) {
            ScannedFile f = chunk.toRead().get(k);
            try {
                Observed o = chunkCopies.result(k);
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
        chunkCopies.awaitDurable();
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
            outcome = batches.run(plan.actions(), counts);
        } catch (IOException | RuntimeException e) {
            deleteStaged(staged);
            throw e;
        }
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
        if (fullPass) {
            batches.commitIfPassDue();
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
            batches.removeEmptyFolders(folders);
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
}
