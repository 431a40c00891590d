package io.keepwatch.engine;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.execute.Parallel;
import io.keepwatch.execute.StagingArea;
import io.keepwatch.fs.Fs;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.plan.Observed;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.LiveFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a chunk's files into the staging area while hashing them, on a pool of its own, and makes the staged copies
 * durable on another, so a pass copies the next chunk while it executes this one. Owns both pools: the copy pool
 * (reads and copies) and the sync pool (fsyncs, lent to the executor for its folder syncs); {@link #close} stops them.
 */
final class CopyPipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CopyPipeline.class);
    /**
     * Files read (and copied) at once. A copy mostly waits for the disk, and a disk answers many requests at once
     * faster than one after another: reading data set A's small files from a cold cache took 2.5 s one at a time,
     * 1.2 s four at a time and 0.95 s eight at a time here (2 cores, virtio disk). So at least 8, and two per core
     * on larger machines.
     */
    static final int COPY_THREADS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());
    static final int SYNC_THREADS = 16;
    /** From this many files on, one filesystem-wide flush replaces the fsyncs of single files. */
    static final int SYNCFS_THRESHOLD = 64;

    private final Fs fs;
    private final Path backupRoot;
    private final HashingCopier copier;
    private final StagingArea staging;
    private final Progress progress;
    private final ExecutorService copyPool;
    private final ExecutorService syncPool;

    CopyPipeline(Fs fs, Path backupRoot, HashingCopier copier, StagingArea staging, Progress progress) {
        this.fs = fs;
        this.backupRoot = backupRoot;
        this.copier = copier;
        this.staging = staging;
        this.progress = progress;
        this.copyPool = Executors.newFixedThreadPool(COPY_THREADS, Threads.named("keepwatch-copy"));
        this.syncPool = Executors.newFixedThreadPool(SYNC_THREADS, Threads.named("keepwatch-sync"));
    }

    /** The pool that fsyncs, for the executor's folder syncs. */
    ExecutorService syncPool() {
        return syncPool;
    }

    /** A chunk whose copies are under way. */
    final class Copies {
        private final Chunker.Chunk chunk;
        private final List<Future<Observed>> copies = new ArrayList<>();
        /** Set when the pass stopped before this chunk: copies not begun yet then end at once, unmade. */
        private final AtomicBoolean abandoned = new AtomicBoolean();
        /** Done when the copies are, and what they staged is durable (see {@link #stage}). */
        private Future<?> durable;

        private Copies(Chunker.Chunk chunk) {
            this.chunk = chunk;
        }

        Chunker.Chunk chunk() {
            return chunk;
        }

        /** What reading the chunk's {@code k}th file to read observed; throws what the read threw. */
        Observed result(int k) throws IOException {
            return Parallel.get(copies.get(k));
        }

        /** Waits until every copy of the chunk is made and durable. */
        void awaitDurable() throws IOException {
            Parallel.get(durable);
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

    /** Starts copying a chunk's files on the copy pool, and making them durable once copied on the sync pool. */
    Copies stage(SourceConfig source, Chunker.Chunk chunk) {
        Copies chunkCopies = new Copies(chunk);
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
                    throw new InterruptedIOException("pass stopped before " + source.name() + "/" + f.rel() + " was read");
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
                    // The pass reports this copy's failure, from the same future; nothing of it was staged.
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedIOException("stopped while waiting for the copies of a chunk");
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
     * Reads one file on the copy pool: hash only when the content is probably unchanged ({@code live}, what the
     * state held when the chunk was made, has its size), else copy while hashing.
     */
    private Observed read(SourceConfig source, ScannedFile f, Optional<LiveFile> live) throws IOException {
        try {
            return readNamed(source, f, live);
        } catch (InvalidPathException e) {
            // A name this system cannot make (see FileNames): this file fails, loudly; the pass goes on.
            throw new FileSystemException(source.name() + "/" + f.rel(), null, e.getReason());
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

    /**
     * Makes every staged copy durable before anything is renamed into place: one syncfs for a large batch,
     * else an fsync per file, many at once (the disk and the kernel batch them).
     */
    private void syncStaged(List<String> names) throws IOException {
        if (names.size() >= SYNCFS_THRESHOLD && fs.syncFileSystem(backupRoot)) {
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

    /** Stops both pools and waits for their threads (a simulated crash: nothing of a pass under way is finished). */
    void stopAndWait() throws InterruptedException {
        close();
        copyPool.awaitTermination(10, TimeUnit.SECONDS);
        syncPool.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** Stops both pools; a copy under way is interrupted. */
    @Override
    public void close() {
        copyPool.shutdownNow();
        syncPool.shutdownNow();
    }
}
