package io.keepwatch.daemon;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.ScanAhead;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.watch.ChangeQueue;
import io.keepwatch.watch.Registration;
import io.keepwatch.watch.WatchHandle;
import io.keepwatch.watch.Watchers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * The watches of every source, registered on a thread of their own while the engine opens (takes its lock
 * and loads state.json): on a large tree the two are the longest parts of a start, and neither needs the
 * other. Registering only reads the sources, so doing it before the lock is held changes nothing on disk;
 * if the engine then cannot open, {@link #close} drops the watches. The {@link Daemon} still decides from
 * the loaded state whether each source is available, closes the watch of one that is not, and reconciles
 * only after every watch is in place.
 *
 * <p>Beside each source's registration runs the scan of its start-up reconciliation ({@link ScanAhead#begin}),
 * which lists each folder only once that folder's watch is in place ({@link Registration}): a change made while they
 * run is seen by the scan or reported by the watch. The reconciliation pass then has its scan when the state is
 * loaded. A source whose registration fails has no such scan (its pass scans when it runs).
 */
public final class EarlyWatches implements AutoCloseable {
    /**
     * One source's registration: the root's identity when it began, the watch or why there is none, and how long
     * registering took.
     */
    record Attempt(Optional<Object> rootKey, Optional<WatchHandle> handle, Optional<IOException> error, Duration took,
            Optional<Future<ScanResult>> scan) {
        static Attempt of(SourceConfig source, Watchers watchers, ChangeQueue queue) {
            return of(source, watchers, queue, Optional.empty());
        }

        /** Registers the source's watch, telling {@code registration} of each folder watched, and finishes it. */
        static Attempt of(SourceConfig source, Watchers watchers, ChangeQueue queue, Optional<Registration> registration) {
            long t0 = System.nanoTime();
            Optional<Object> key = EarlyWatches.rootKey(source.path());
            try {
                WatchHandle handle = registration.isPresent() ? watchers.start(source, queue, registration.get())
                        : watchers.start(source, queue);
                return new Attempt(key, Optional.of(handle), Optional.empty(), Duration.ofNanos(System.nanoTime() - t0),
                        Optional.empty());
            } catch (IOException e) {
                return new Attempt(key, Optional.empty(), Optional.of(e), Duration.ofNanos(System.nanoTime() - t0),
                        Optional.empty());
            } finally {
                registration.ifPresent(Registration::finished);
            }
        }

        /** This attempt with the scan begun beside it, kept only if the watch is in place (else it is cancelled). */
        Attempt withScan(Future<ScanResult> begun) {
            if (handle.isEmpty()) {
                begun.cancel(true);
                return this;
            }
            return new Attempt(rootKey, handle, error, took, Optional.of(begun));
        }
    }

    private final ChangeQueue queue;
    /** The registrations, until {@link #take} hands them over. */
    private CompletableFuture<Map<String, Attempt>> attempts;
    private boolean taken;

    private EarlyWatches(ChangeQueue queue, CompletableFuture<Map<String, Attempt>> attempts) {
        this.queue = queue;
        this.attempts = attempts;
    }

    /**
     * Starts registering, on a new thread, every source whose folder is there now, each with the scan of its start-up
     * reconciliation begun by {@code scans} beside it.
     */
    public static EarlyWatches start(List<SourceConfig> sources, Watchers watchers, Timing timing, ScanAhead scans) {
        ChangeQueue queue = new ChangeQueue(timing.queueCapacity());
        CompletableFuture<Map<String, Attempt>> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                Map<String, Attempt> out = new LinkedHashMap<>();
                for (SourceConfig s : sources) {
                    if (Files.isDirectory(s.path())) {
                        Registration registration = new Registration();
                        Future<ScanResult> scan = scans.begin(s.name(), registration);
                        out.put(s.name(), Attempt.of(s, watchers, queue, Optional.of(registration)).withScan(scan));
                    }
                }
                f.complete(out);
            } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
            }
        }, "keepwatch-register");
        t.setDaemon(true);
        t.start();
        return new EarlyWatches(queue, f);
    }

    ChangeQueue queue() {
        return queue;
    }

    /** Waits for the registrations; the caller owns their watches from then on. */
    Map<String, Attempt> take() throws InterruptedException {
        Map<String, Attempt> all = await();
        taken = true;
        // Let go of them: each attempt holds its source's start-up scan, whose result (an entry per file, a
        // million on a large source) would otherwise stay in memory for as long as the service runs.
        attempts = CompletableFuture.completedFuture(Map.of());
        return all;
    }

    private Map<String, Attempt> await() throws InterruptedException {
        try {
            return attempts.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) e.getCause();
        }
    }

    /** Closes the watches if no {@link Daemon} took them (the engine could not be opened). */
    @Override
    public void close() throws IOException, InterruptedException {
        if (taken) {
            return;
        }
        for (Attempt a : await().values()) {
            a.scan().ifPresent(scan -> scan.cancel(true));
            if (a.handle().isPresent()) {
                a.handle().get().close();
            }
        }
    }

    /** The identity of a source's root folder (empty if it is not a folder now). */
    static Optional<Object> rootKey(Path root) {
        try {
            BasicFileAttributes a = Files.readAttributes(root, BasicFileAttributes.class);
            return a.isDirectory() ? Optional.ofNullable(a.fileKey()).or(() -> Optional.of("dir")) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
