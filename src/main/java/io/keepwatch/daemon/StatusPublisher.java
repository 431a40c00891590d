package io.keepwatch.daemon;

import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what the service is doing ({@link StatusBoard}) as {@code .keepwatch/status.json}, written atomically
 * ({@link StatusFile}) when the service asks and by a heartbeat on a thread of its own, so a reader can tell a live
 * service from a stopped or hung one. A file that cannot be written is a WARN once, until it can be again.
 */
final class StatusPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StatusPublisher.class);

    private final Fs fs;
    private final Path file;
    private final StatusBoard board;
    private final Duration heartbeat;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keepwatch-status");
        t.setDaemon(true);
        return t;
    });
    private boolean writeFailed;

    StatusPublisher(Fs fs, Path file, StatusBoard board, Duration heartbeat) {
        this.fs = fs;
        this.file = file;
        this.board = board;
        this.heartbeat = heartbeat;
    }

    /** Writes the status now, and then every heartbeat until {@link #close}. */
    void start() {
        publish();
        long every = heartbeat.toMillis();
        timer.scheduleWithFixedDelay(this::publish, every, every, TimeUnit.MILLISECONDS);
    }

    /** Writes the status now. Safe from any thread. */
    synchronized void publish() {
        try {
            StatusFile.write(fs, file, board.snapshot());
            writeFailed = false;
        } catch (IOException | RuntimeException e) {
            if (!writeFailed) {
                log.warn("Cannot write the status file {}: {}", file, e.toString());
            }
            writeFailed = true;
        }
    }

    /** Stops the heartbeat (a last {@link #publish} is the caller's). */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
