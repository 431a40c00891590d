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
 */
final class StateLoading {
    /** Loads the state and makes the parts on it. */
    @FunctionalInterface
    interface Loader {
        Engine.Parts load() throws IOException, StateException;
    }

    private final FutureTask<Engine.Parts> task;
    /** The background thread, once started. */
    private Thread thread;
    private volatile Runnable whenDone = () -> { };

    private StateLoading(Loader loader) {
        this.task = new FutureTask<>(loader::load) {
            @Override
            protected void done() {
                whenDone.run();
            }
        };
    }

    /** Parts made already (the engine loaded the state as it opened). */
    static StateLoading loaded(Engine.Parts parts) {
        StateLoading l = new StateLoading(() -> parts);
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
     * Stops a load in progress (the engine closes) and waits for its thread to end; returns the parts if they were
     * made, for the caller to close.
     */
    Optional<Engine.Parts> stop() throws InterruptedIOException {
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && !task.isDone()) {
            task.cancel(true);
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while the state's load was stopped");
            }
        } else if (t == null) {
            task.cancel(false); // never begun: it never runs now
        }
        return ifLoaded();
    }
}
