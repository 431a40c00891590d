package io.keepwatch.watch;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real {@link Watchers}: on 64-bit Linux an {@link InotifyWatcher} per source (inotify called directly); elsewhere,
 * or where {@link Inotify} cannot be loaded, a {@link SourceWatcher} (directory-watcher), each event loop on a thread
 * of this object's own pool (never the common pool). Which one is used is logged once, when this is made. Close it
 * after closing the watches.
 */
public final class DirectoryWatchers implements Watchers, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DirectoryWatchers.class);
    private final ExcludeRules rules;
    private final ExecutorService executor;
    /** Whether the watches use inotify directly (else directory-watcher). */
    private final boolean inotify;

    public DirectoryWatchers(ExcludeRules rules) {
        this(rules, Inotify.unavailable().isEmpty());
    }

    /** With the backend chosen by the caller (tests: directory-watcher on Linux too). */
    DirectoryWatchers(ExcludeRules rules, boolean inotify) {
        this.rules = rules;
        this.inotify = inotify;
        if (inotify) {
            log.info("Watch backend: inotify (called directly)");
        } else {
            log.info("Watch backend: directory-watcher{}", Inotify.unavailable().map(why -> " (inotify directly: " + why + ")")
                    .orElse(""));
        }
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "keepwatch-watch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public WatchHandle start(SourceConfig source, ChangeQueue queue) throws IOException {
        return start(source, queue, Optional.empty());
    }

    @Override
    public WatchHandle start(SourceConfig source, ChangeQueue queue, Registration registration) throws IOException {
        return start(source, queue, Optional.of(registration));
    }

    private WatchHandle start(SourceConfig source, ChangeQueue queue, Optional<Registration> registration)
            throws IOException {
        WatchFilter filter = new WatchFilter(source, source.path(), rules);
        PrunedTreeVisitor visitor = new PrunedTreeVisitor(filter, registration);
        return inotify
                ? InotifyWatcher.start(source, filter, queue, visitor)
                : SourceWatcher.start(source, filter, queue, executor, visitor);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
