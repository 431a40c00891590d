package io.keepwatch.daemon;

import io.keepwatch.config.WatchConfig;
import java.time.Duration;

/**
 * The service's clocks: the configured {@code watch.*} values plus internal ones.
 *
 * @param poll how often an UNAVAILABLE source is probed and a watched root is checked for having been replaced
 * @param heartbeat how often the status file is rewritten
 * @param limitRescan how often a source that could not be (fully) watched gets a full pass
 */
public record Timing(Duration debounce, Duration maxDelay, Duration stateFlush, Duration rescanInterval, int queueCapacity,
        Duration poll, Duration heartbeat, Duration limitRescan) {

    public static final Duration POLL = Duration.ofSeconds(2);
    public static final Duration HEARTBEAT = Duration.ofSeconds(5);
    public static final Duration LIMIT_RESCAN = Duration.ofMinutes(1);

    public static Timing of(WatchConfig w) {
        Duration limit = w.rescanInterval().compareTo(LIMIT_RESCAN) < 0 ? w.rescanInterval() : LIMIT_RESCAN;
        return new Timing(w.debounce(), w.maxDelay(), w.stateFlush(), w.rescanInterval(), w.queueCapacity(), POLL, HEARTBEAT,
                limit);
    }

    public Timing withLimitRescan(Duration d) {
        return new Timing(debounce, maxDelay, stateFlush, rescanInterval, queueCapacity, poll, heartbeat, d);
    }

    public Timing withQueueCapacity(int capacity) {
        return new Timing(debounce, maxDelay, stateFlush, rescanInterval, capacity, poll, heartbeat, limitRescan);
    }
}
