package io.keepwatch.watch;

import java.io.Closeable;

/** A running watch over one source. Closing it stops it without raising any signal. */
public interface WatchHandle extends Closeable {
    /** Folders that were registered when the watch started. */
    int folders();
}
