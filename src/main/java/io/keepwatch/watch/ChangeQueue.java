package io.keepwatch.watch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-over from watcher threads to the engine thread. Changed paths go into a bounded buffer; when it
 * is full the path is dropped and its source gets a {@link SourceSignal.Kind#RESCAN} signal instead, so a
 * watcher thread never blocks and no change is lost (the rescan finds it). Source signals are kept apart,
 * one per source and kind, so they can never be crowded out by paths.
 */
public final class ChangeQueue {
    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition signalled = lock.newCondition();
    private final ArrayDeque<SourcePath> paths = new ArrayDeque<>();
    private final Map<String, Map<SourceSignal.Kind, SourceSignal>> signals = new LinkedHashMap<>();
    private boolean wakeUp;

    /** What the engine thread takes in one go. */
    public record Drained(List<SourcePath> paths, List<SourceSignal> signals) {
        public boolean isEmpty() {
            return paths.isEmpty() && signals.isEmpty();
        }
    }

    public ChangeQueue(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("queue capacity must be at least 1, not " + capacity);
        }
        this.capacity = capacity;
    }

    /** Offers a changed path; never blocks. Returns false when the buffer was full (a rescan is signalled). */
    public boolean offer(SourcePath path) {
        lock.lock();
        try {
            if (paths.size() >= capacity) {
                putSignal(new SourceSignal(path.source(), SourceSignal.Kind.RESCAN,
                        "event queue full (" + capacity + " paths waiting); changes may have been missed"));
                return false;
            }
            paths.add(path);
            signalled.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Raises a signal for a whole source; never blocks. */
    public void signal(SourceSignal signal) {
        lock.lock();
        try {
            putSignal(signal);
        } finally {
            lock.unlock();
        }
    }

    private void putSignal(SourceSignal signal) {
        signals.computeIfAbsent(signal.source(), s -> new LinkedHashMap<>()).putIfAbsent(signal.kind(), signal);
        signalled.signalAll();
    }

    /** Makes a waiting {@link #await} return at once (used to stop the service). */
    public void wakeUp() {
        lock.lock();
        try {
            wakeUp = true;
            signalled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until something is queued, {@link #wakeUp} is called, or {@code timeout} passes, then takes
     * everything queued.
     */
    public Drained await(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long nanos = Math.max(0, timeout.toNanos());
            while (paths.isEmpty() && signals.isEmpty() && !wakeUp && nanos > 0) {
                nanos = signalled.awaitNanos(nanos);
            }
            wakeUp = false;
            List<SourcePath> p = new ArrayList<>(paths);
            paths.clear();
            List<SourceSignal> s = new ArrayList<>();
            signals.values().forEach(m -> s.addAll(m.values()));
            signals.clear();
            return new Drained(p, s);
        } finally {
            lock.unlock();
        }
    }

    /** Paths waiting to be taken by the engine thread. */
    public int depth() {
        lock.lock();
        try {
            return paths.size();
        } finally {
            lock.unlock();
        }
    }

    public int capacity() {
        return capacity;
    }
}
