package io.keepwatch.events;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the events a slow listener wants (writing history, sending mail) to a thread of its own, so that the
 * engine thread never waits for a disk or a network. The queue is bounded: when it is full (the listener is stuck),
 * further events for it are dropped and counted, with one WARN, rather than holding up a backup. Only the events
 * {@code wanted} accepts are queued at all, so a listener that needs passes and failures does not queue one record
 * per file of a first run. {@link #close} lets the thread finish what is queued, for a bounded time, and then closes
 * the target on that thread if it is {@link AutoCloseable}.
 */
public final class QueuedListener implements EngineListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueuedListener.class);

    private final String name;
    private final EngineListener target;
    private final Predicate<EngineEvent> wanted;
    private final BlockingQueue<EngineEvent> queue;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private final Listeners isolated;
    private volatile boolean closed;

    private QueuedListener(String name, EngineListener target, Predicate<EngineEvent> wanted, int capacity) {
        this.name = name;
        this.target = target;
        this.wanted = wanted;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.isolated = (Listeners) Listeners.of(java.util.List.of(target));
        this.thread = new Thread(this::drain, "keepwatch-" + name);
        this.thread.setDaemon(true);
    }

    /** Starts the thread that calls {@code target} with the events {@code wanted} accepts, in order. */
    public static QueuedListener start(String name, EngineListener target, Predicate<EngineEvent> wanted, int capacity) {
        QueuedListener q = new QueuedListener(name, target, wanted, capacity);
        q.thread.start();
        return q;
    }

    @Override
    public void on(EngineEvent event) {
        if (closed || !wanted.test(event)) {
            return;
        }
        if (!queue.offer(event)) {
            if (dropped.getAndIncrement() == 0) {
                log.warn("The {} cannot keep up (its queue of {} events is full); events for it are dropped until it "
                        + "catches up. The backup is not affected.", name, queue.size());
            }
        }
    }

    /** Events dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    private void drain() {
        while (true) {
            EngineEvent e;
            try {
                e = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ie) {
                return;
            }
            if (e != null) {
                isolated.on(e);
            } else if (closed) {
                closeTarget(); // closed, and nothing is left (an offer made before close is in the queue by now)
                return;
            }
        }
    }

    private void closeTarget() {
        if (target instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("Closing the {}: {}", name, e.toString());
            }
        }
    }

    /** Waits (at most {@code wait}) for the queued events to be handled, then stops the thread. */
    public void close(Duration wait) {
        closed = true;
        try {
            thread.join(Math.max(1, wait.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("The {} did not finish its {} queued event(s) within {} s; they are dropped", name, queue.size(),
                    wait.toSeconds());
            thread.interrupt();
        }
        if (dropped.get() > 0) {
            log.warn("The {} dropped {} event(s) because it could not keep up", name, dropped.get());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    @Override
    public String toString() {
        return name + " (" + target + ")";
    }
}
