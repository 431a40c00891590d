package io.keepwatch.repo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes of new objects run on background threads for a store's {@link BlobStore#putNew}: at most {@code limit}
 * queued or running at once ({@link #submit} waits beyond that), one thread each. The first failure is thrown by
 * the next {@link #submit} or by {@link #await}, which waits for every write.
 */
final class BackgroundPuts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackgroundPuts.class);

    /** One write; throws what went wrong. */
    interface Put {
        void run() throws IOException;
    }

    private final int limit;
    private final String threadName;
    private final Semaphore slots;
    private final ArrayDeque<Future<?>> pending = new ArrayDeque<>();
    private ExecutorService pool;

    BackgroundPuts(int limit, String threadName) {
        this.limit = limit;
        this.threadName = threadName;
        this.slots = new Semaphore(limit);
    }

    /** Starts {@code put} on a writer thread once fewer than {@code limit} are in flight; {@code name} is for messages. */
    synchronized void submit(String name, Put put) throws IOException {
        collect(false);
        try {
            slots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting to write " + name);
        }
        if (pool == null) {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(limit, r -> {
                Thread t = new Thread(r, threadName + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        pending.add(pool.submit(() -> {
            try {
                put.run();
                return null;
            } finally {
                slots.release();
            }
        }));
    }

    /** Waits for every write; throws the first failure. */
    synchronized void await() throws IOException {
        collect(true);
    }

    /** Drops finished writes from {@link #pending} (and with {@code all}, waits for the rest), throwing the first failure. */
    private void collect(boolean all) throws IOException {
        while (!pending.isEmpty() && (all || pending.peek().isDone())) {
            Future<?> f = pending.poll();
            try {
                f.get();
            } catch (InterruptedException e) {
                pending.addFirst(f);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted waiting for a write");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) {
                    throw io;
                }
                if (c instanceof RuntimeException r) {
                    throw r;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new IOException(c);
            }
        }
    }

    /**
     * Lets the writes in flight finish (a write stopped half way would leave its temp file), logging failures
     * nobody collected, and stops the threads (until the next {@link #submit}).
     */
    @Override
    public synchronized void close() {
        if (pool == null) {
            return;
        }
        pool.shutdown();
        while (!pending.isEmpty()) {
            try {
                collect(true);
            } catch (IOException | RuntimeException e) {
                log.warn("a background write failed: {}", e.getMessage());
            }
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        try {
            if (!pool.awaitTermination(1, TimeUnit.MINUTES)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        pool = null; // a later submit starts new threads
    }
}
