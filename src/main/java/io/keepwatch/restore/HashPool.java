package io.keepwatch.restore;

import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The threads that read and hash for {@code verify}. Work is queued while the files are still being listed from
 * state.json, so hashing starts with the first file instead of after the last; the queue hands out the work of
 * highest priority first (a large file, so none is left alone at the end), and work of equal priority in the order it
 * was queued (small files folder by folder, as state.json lists them). Closing it stops the threads.
 */
final class HashPool<T> implements AutoCloseable {
    private final ThreadPoolExecutor pool;
    private final AtomicLong queued = new AtomicLong();

    HashPool(int threads, String name) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues {@code work}; higher {@code priority} runs first. */
    Future<T> submit(Callable<T> work, long priority) {
        Job<T> job = new Job<>(work, priority, queued.getAndIncrement());
        pool.execute(job);
        return job;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private static final class Job<T> extends FutureTask<T> implements Comparable<Job<?>> {
        private final long priority;
        private final long order;

        Job(Callable<T> work, long priority, long order) {
            super(work);
            this.priority = priority;
            this.order = order;
        }

        @Override
        public int compareTo(Job<?> o) {
            int c = Long.compare(o.priority, priority);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }
}
