package io.keepwatch.watch;

import io.keepwatch.config.SourceConfig;
import java.io.IOException;

/** Starts watches; the service takes one so tests can stand in for the operating system's limits. */
@FunctionalInterface
public interface Watchers {
    /**
     * Registers every watched folder of {@code source} (before returning) and starts delivering its changes
     * and signals to {@code queue}. Fails, naming the reason, when the folders cannot be registered;
     * {@link WatchLimit#isLimit} tells whether that was the OS's watch limit.
     */
    WatchHandle start(SourceConfig source, ChangeQueue queue) throws IOException;
}
