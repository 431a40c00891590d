package io.keepwatch.watch;

import io.keepwatch.config.SourceConfig;
import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryChangeListener;
import io.methvin.watcher.DirectoryWatcher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * One source watched with directory-watcher: hashing off (its default reads every file at start and keeps a
 * hash of each in memory), its own executor, the walk pruned by {@link WatchFilter}. Its listener only
 * offers paths to the {@link ChangeQueue}. Known defects of directory-watcher 0.19.1 it turns into
 * signals: OVERFLOW arrives as {@code onException} (a NullPointerException), so every exception means
 * {@link SourceSignal.Kind#RESCAN}; a deleted root ends the watcher silently, so an end we did not ask for
 * means {@link SourceSignal.Kind#LOST}.
 */
final class SourceWatcher implements WatchHandle {
    private final DirectoryWatcher watcher;
    private final int folders;
    private volatile boolean closing;

    private SourceWatcher(DirectoryWatcher watcher, int folders) {
        this.watcher = watcher;
        this.folders = folders;
    }

    static SourceWatcher start(SourceConfig source, WatchFilter filter, ChangeQueue queue, Executor executor)
            throws IOException {
        return start(source, filter, queue, executor, new PrunedTreeVisitor(filter));
    }

    /** {@link #start}, telling {@code registration} of each folder as soon as it is watched. */
    static SourceWatcher start(SourceConfig source, WatchFilter filter, ChangeQueue queue, Executor executor,
            Registration registration) throws IOException {
        return start(source, filter, queue, executor, new PrunedTreeVisitor(filter, java.util.Optional.of(registration)));
    }

    static SourceWatcher start(SourceConfig source, WatchFilter filter, ChangeQueue queue, Executor executor,
            PrunedTreeVisitor visitor) throws IOException {
        Listener listener = new Listener(source.name(), filter, queue);
        DirectoryWatcher dw = DirectoryWatcher.builder()
                .path(filter.root())
                .fileHashing(false)
                .fileTreeVisitor(visitor)
                .listener(listener)
                .build();
        CompletableFuture<Void> running = dw.watchAsync(executor);
        if (running.isCompletedExceptionally()) {
            dw.close();
            throw registrationFailure(source, running);
        }
        if (visitor.rootWalkFolders() == 0) {
            dw.close();
            throw new NoSuchFileException(filter.root().toString(), null, "source folder vanished while being registered");
        }
        SourceWatcher sw = new SourceWatcher(dw, visitor.rootWalkFolders());
        running.whenComplete((v, e) -> {
            if (!sw.closing) {
                queue.signal(new SourceSignal(source.name(), SourceSignal.Kind.LOST, e == null
                        ? "the watch on '" + filter.root() + "' ended (folder deleted, moved or unmounted?)"
                        : "the watch on '" + filter.root() + "' failed: " + unwrap(e)));
            }
        });
        return sw;
    }

    private static IOException registrationFailure(SourceConfig source, CompletableFuture<Void> failed) {
        Throwable cause;
        try {
            failed.get();
            cause = new IllegalStateException("completed exceptionally without a cause");
        } catch (ExecutionException e) {
            cause = e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cause = e;
        }
        Throwable c = unwrap(cause);
        if (c instanceof IOException io) {
            return io;
        }
        return new IOException("cannot watch '" + source.path() + "': " + c, c);
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof UncheckedIOException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    @Override
    public int folders() {
        return folders;
    }

    @Override
    public void close() throws IOException {
        closing = true;
        watcher.close();
    }

    /** Runs on the watcher's thread: filters and enqueues, nothing else. */
    private static final class Listener implements DirectoryChangeListener {
        private final String source;
        private final WatchFilter filter;
        private final ChangeQueue queue;

        Listener(String source, WatchFilter filter, ChangeQueue queue) {
            this.source = source;
            this.filter = filter;
            this.queue = queue;
        }

        @Override
        public void onEvent(DirectoryChangeEvent event) {
            if (event.eventType() == DirectoryChangeEvent.EventType.OVERFLOW || event.path() == null) {
                queue.signal(new SourceSignal(source, SourceSignal.Kind.RESCAN, "the OS dropped events (overflow)"));
                return;
            }
            filter.relOf(event.path()).ifPresent(rel -> queue.offer(new SourcePath(source, rel)));
        }

        @Override
        public void onException(Exception e) {
            if (WatchLimit.isLimit(e)) {
                queue.signal(new SourceSignal(source, SourceSignal.Kind.LIMIT, e.getMessage()));
            } else {
                queue.signal(new SourceSignal(source, SourceSignal.Kind.RESCAN, "watcher error: " + e));
            }
        }
    }
}
