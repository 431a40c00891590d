package io.keepwatch.engine;

import io.keepwatch.state.StateException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * The engine's parts that need the whole state ({@link Engine.Parts}), made once: at once when the engine opens, or
 * later for the service that became Ready from the metadata index ({@link Engine#openForService}): then on a thread of
 * their own ({@link #inBackground}), or on the first thread that needs them ({@link #get}), whichever comes first. A
 * failed load is kept: every later {@link #get} throws it again, naming state.json and what is wrong with it.
 *
 * <p>Loading only reads (the service defers it only when no journaled batch waits, so it recovers nothing), and parsing
 * a large state.json does not stop for an interrupt: {@link #stop} does not wait for a load that is still reading, it
 * only makes sure that no part (the copy pipeline's threads, the staging area) is made once the engine closes. The
 * loader passes the {@link Gate} between reading and making the parts.
 */
final class StateLoading {
    /** Loads the state and makes the parts on it, passing {@code gate} in between. */
    @FunctionalInterface
    interface Loader {
        Engine.Parts load(Gate gate) throws IOException, StateException;
    }

    /** Where a loader passes from reading the state to making the parts on it. */
    @FunctionalInterface
    interface Gate {
        Gate OPEN = () -> { };

        /** Returns if the parts may be made; throws if the engine closed meanwhile. */
        void pass() throws IOException;
    }

    private final FutureTask<Engine.Parts> task;
    /** The background thread, once started. */
    private Thread thread;
    private volatile Runnable whenDone = () -> { };
    /** The engine closed: no part is made from now on. */
    private boolean stopped;
    /** The loader passed the gate: the parts are being made (quickly), and a stop waits for them to close them. */
    private boolean making;

    private StateLoading(Loader loader) {
        this.task = new FutureTask<>(() -> loader.load(this::pass)) {
            @Override
            protected void done() {
                whenDone.run();
            }
        };
    }

    private synchronized void pass() throws IOException {
        if (stopped) {
            throw new InterruptedIOException("the engine closed while state.json was loading");
        }
        making = true;
    }

    /** Parts made already (the engine loaded the state as it opened). */
    static StateLoading loaded(Engine.Parts parts) {
        StateLoading l = new StateLoading(gate -> parts);
        l.task.run();
        return l;
    }

    /** Parts made later by {@code loader}. */
    static StateLoading deferred(Loader loader) {
        return new StateLoading(loader);
    }

    /** Starts the load on a thread of its own (if it has not begun), then runs {@code whenDone} on that thread. */
    synchronized void inBackground(Runnable whenDone) {
        if (thread != null || task.isDone()) {
            return;
        }
        this.whenDone = whenDone;
        thread = new Thread(task, "keepwatch-state-load");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether a load runs on the background thread now. */
    synchronized boolean inProgress() {
        return thread != null && !task.isDone();
    }

    /** Whether nothing has asked for the parts yet (no load has begun). */
    synchronized boolean notBegun() {
        return thread == null && !task.isDone();
    }

    /** Whether {@link #stop} stopped the load before it ended. */
    boolean stopped() {
        return task.isCancelled();
    }

    /** The parts if they are made (empty while loading, before, or after a failed load). */
    Optional<Engine.Parts> ifLoaded() {
        if (!task.isDone() || task.isCancelled()) {
            return Optional.empty();
        }
        try {
            return Optional.of(task.get());
        } catch (ExecutionException | InterruptedException e) {
            return Optional.empty();
        }
    }

    /** The parts: made here if nothing began the load, else waited for. */
    Engine.Parts get() throws IOException {
        task.run(); // no-op when it has begun elsewhere or is done
        try {
            return task.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for state.json to load");
        } catch (CancellationException e) {
            throw new IOException("the engine was closed before state.json was loaded", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof StateException se) {
                throw new IOException(se.getMessage(), se);
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw (Error) c;
        }
    }

    /**
     * The engine closes: a load still reading is abandoned (its thread ends on its own, having made nothing), one
     * making the parts is waited for; returns the parts if they were made, for the caller to close.
     */
    Optional<Engine.Parts> stop() throws InterruptedIOException {
        Thread t;
        boolean wait;
        synchronized (this) {
            stopped = true;
            t = thread;
            wait = making;
        }
        if (t == null) {
            task.cancel(false); // never begun: it never runs now
        } else if (wait) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the parts on the loaded state were being made");
            }
        } else {
            task.cancel(true);
        }
        return ifLoaded();
    }
}
