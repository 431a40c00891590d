package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Listeners;
import io.keepwatch.events.QueuedListener;
import io.keepwatch.history.HistoryRecorder;
import io.keepwatch.history.HistoryStore;
import io.keepwatch.state.BackupLayout;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The engine-events listeners of {@code once} and {@code run}: the run history (and what else listens), each on a
 * thread of its own. Problems they meet (a history that cannot be written) go to {@link #problems}, which the service
 * points at its status file once it runs. {@link #close} lets them finish what is queued.
 */
final class Listening implements AutoCloseable {
    /** How long closing waits for the listeners to finish what is queued. */
    static final Duration DRAIN = Duration.ofSeconds(3);

    private final List<QueuedListener> queued = new ArrayList<>();
    private final AtomicReference<Consumer<String>> problemSink = new AtomicReference<>(line -> { });
    private final EngineListener all;

    Listening(Config cfg, Clock clock) {
        BackupLayout layout = new BackupLayout(cfg.backupRoot());
        Consumer<String> problems = line -> problemSink.get().accept(line);
        // The recorder opens its database when the first event to write comes: by then the engine has made .keepwatch.
        queued.add(HistoryRecorder.start(HistoryStore.fileIn(layout.privateDir()), clock, cfg.history().keep(), problems));
        this.all = Listeners.of(new ArrayList<EngineListener>(queued));
    }

    EngineListener listener() {
        return all;
    }

    /** Where problems of the listeners are reported from now on (besides the log). */
    void problems(Consumer<String> sink) {
        problemSink.set(sink);
    }

    @Override
    public void close() {
        for (QueuedListener q : queued) {
            q.close(DRAIN);
        }
    }
}
