package io.keepwatch.events;

/**
 * Receives the engine's and the service's events, on the thread that did the work (the engine thread). A listener
 * must return quickly: one that writes to disk or the network wraps itself in a {@link QueuedListener}. The engine
 * calls listeners through {@link Listeners}, so an exception thrown here is logged and never breaks a backup.
 */
@FunctionalInterface
public interface EngineListener {
    /** Listens to nothing. */
    EngineListener NONE = e -> { };

    void on(EngineEvent event);
}
