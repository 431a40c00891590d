package io.keepwatch.watch;

/**
 * Something about a whole source that a single path cannot express, raised by a watcher thread or by the
 * queue itself.
 */
public record SourceSignal(String source, Kind kind, String reason) {
    public enum Kind {
        /** Events were lost (queue full, OVERFLOW, a watcher error): run a full pass of the source. */
        RESCAN,
        /** The watcher ended (e.g. its root was deleted): check the source, watch it again or mark it UNAVAILABLE. */
        LOST,
        /** The OS refused more watches (inotify limit): fall back to periodic full passes of the source. */
        LIMIT
    }
}
