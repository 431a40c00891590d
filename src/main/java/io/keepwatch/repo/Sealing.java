package io.keepwatch.repo;

import java.io.Closeable;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The compress-and-seal stage of adding blobs, run on worker threads (one per processor) while the caller's
 * thread goes on reading, chunking and hashing. Results come back in the order the blobs were submitted, so
 * a pack's layout does not depend on thread timing. At most {@code 2 × threads} blobs are in flight (each at
 * most {@link Chunker#MAX} bytes), which bounds the memory. On a single processor it seals on the caller's
 * thread. Not for two callers at once: a repository is used by one thread.
 */
final class Sealing implements Closeable {
    /** What a worker produced for one blob. */
    record Sealed(byte type, String id, byte[] sealed, int rawLength) {
    }

    /** Compresses and seals one blob's plaintext. */
    interface Sealer {
        byte[] seal(byte type, String id, byte[] data);
    }

    private final Sealer sealer;
    private final int threads;
    private final ArrayDeque<Future<Sealed>> inFlight = new ArrayDeque<>();
    private ExecutorService pool;

    Sealing(Sealer sealer) {
        this(sealer, Runtime.getRuntime().availableProcessors());
    }

    Sealing(Sealer sealer, int threads) {
        this.sealer = sealer;
        this.threads = Math.max(1, threads);
    }

    /** Starts sealing {@code data} (which the caller hands over and must not change). */
    void submit(byte type, String id, byte[] data) {
        if (pool == null) {
            AtomicInteger n = new AtomicInteger();
            pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "keepwatch-seal-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        if (pool == null) {
            inFlight.add(java.util.concurrent.CompletableFuture.completedFuture(new Sealed(type, id, sealer.seal(type, id, data), data.length)));
        } else {
            inFlight.add(pool.submit(() -> new Sealed(type, id, sealer.seal(type, id, data), data.length)));
        }
    }

    /** The finished blobs at the head of the queue, waiting for the oldest while too many are in flight. */
    List<Sealed> completedHeads() throws InterruptedIOException {
        List<Sealed> out = new ArrayList<>();
        while (!inFlight.isEmpty() && (inFlight.peek().isDone() || inFlight.size() > 2 * threads)) {
            out.add(await(inFlight.poll()));
        }
        return out;
    }

    /** Every blob in flight, in order, once sealed. */
    List<Sealed> drain() throws InterruptedIOException {
        List<Sealed> out = new ArrayList<>(inFlight.size());
        while (!inFlight.isEmpty()) {
            out.add(await(inFlight.poll()));
        }
        return out;
    }

    boolean busy() {
        return !inFlight.isEmpty();
    }

    private static Sealed await(Future<Sealed> f) throws InterruptedIOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sealing blobs");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("sealing a blob failed: " + c, c);
        }
    }

    @Override
    public void close() {
        inFlight.forEach(f -> f.cancel(true));
        inFlight.clear();
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
