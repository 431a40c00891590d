package io.keepwatch.events;

/** How the service is keeping a source backed up (in status.json and in {@link EngineEvent.SourceStateChanged}). */
public enum SourceState {
    /** Watched; changes are backed up within about a debounce period. */
    OK,
    /** The OS refused (some of) the watches (inotify limit): backed up by periodic full passes. */
    POLLING,
    /** Its folder is missing, on another device (unmounted) or suddenly empty: nothing is touched until it is back. */
    UNAVAILABLE
}
