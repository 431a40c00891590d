package io.keepwatch.daemon;

import io.keepwatch.config.WatchConfig;
import java.time.Duration;

/**
 * The service's clocks: the configured {@code watch.*} values plus internal ones.
 *
 * @param poll how often an UNAVAILABLE source is probed and a watched root is checked for having been replaced
 * @param heartbeat how often the status file is rewritten
 * @param limitRescan how often a source that could not be (fully) watched gets a full pass
 * @param indexIdle how long after its last commit the service, idle, brings a metadata index that its commits left
 *     behind up to date (so the next start can be Ready from it without loading state.json)
 */
public record Timing(Duration debounce, Duration maxDelay, Duration stateFlush, Duration rescanInterval, int queueCapacity,
        Duration poll, Duration heartbeat, Duration limitRescan, Duration indexIdle) {

    public static final Duration POLL = Duration.ofSeconds(2);
    public static final Duration HEARTBEAT = Duration.ofSeconds(5);
    public static final Duration LIMIT_RESCAN = Duration.ofMinutes(1);
    /**
     * Bringing the index up to date reads state.json on the engine thread (on a million files some seconds, during
     * which a change waits), so it waits for a quiet minute; it writes about 100 KB (data set B's index: 92 KB).
     */
    public static final Duration INDEX_IDLE = Duration.ofMinutes(1);

    public static Timing of(WatchConfig w) {
        Duration limit = w.rescanInterval().compareTo(LIMIT_RESCAN) < 0 ? w.rescanInterval() : LIMIT_RESCAN;
        return new Timing(w.debounce(), w.maxDelay(), w.stateFlush(), w.rescanInterval(), w.queueCapacity(), POLL, HEARTBEAT,
                limit, INDEX_IDLE);
    }

    public Timing withLimitRescan(Duration d) {
        return new Timing(debounce, maxDelay, stateFlush, rescanInterval, queueCapacity, poll, heartbeat, d, indexIdle);
    }

    public Timing withQueueCapacity(int capacity) {
        return new Timing(debounce, maxDelay, stateFlush, rescanInterval, capacity, poll, heartbeat, limitRescan, indexIdle);
    }

    public Timing withIndexIdle(Duration d) {
        return new Timing(debounce, maxDelay, stateFlush, rescanInterval, queueCapacity, poll, heartbeat, limitRescan, d);
    }
}
