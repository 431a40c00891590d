package io.keepwatch.watch;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real {@link Watchers}: a {@link SourceWatcher} per source, each event loop on a thread of this
 * object's own pool (never the common pool). Close it after closing the watches.
 */
public final class DirectoryWatchers implements Watchers, AutoCloseable {
    private final ExcludeRules rules;
    private final ExecutorService executor;

    public DirectoryWatchers(ExcludeRules rules) {
        this.rules = rules;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "keepwatch-watch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public WatchHandle start(SourceConfig source, ChangeQueue queue) throws IOException {
        return SourceWatcher.start(source, new WatchFilter(source, source.path(), rules), queue, executor);
    }

    @Override
    public WatchHandle start(SourceConfig source, ChangeQueue queue, Registration registration) throws IOException {
        return SourceWatcher.start(source, new WatchFilter(source, source.path(), rules), queue, executor, registration);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
