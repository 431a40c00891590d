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

    /**
     * {@link #start(SourceConfig, ChangeQueue)}, telling {@code registration} of each folder as soon as its watch is
     * in place (so a scan beside it can list that folder). The caller calls {@link Registration#finished} after this
     * returns or fails; one that registers every folder at once tells nothing before that.
     */
    default WatchHandle start(SourceConfig source, ChangeQueue queue, Registration registration) throws IOException {
        return start(source, queue);
    }
}
