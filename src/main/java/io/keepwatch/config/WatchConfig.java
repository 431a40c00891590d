package io.keepwatch.config;

import java.time.Duration;

/**
 * Timing of the always-on service ({@code keepwatch run}).
 *
 * @param debounce a path is processed once it has been quiet this long
 * @param maxDelay a path that never stops changing is still processed at least this often
 * @param stateFlush state.json is saved at most this often while watching (and always on stop)
 * @param rescanInterval a full reconciliation pass runs this often as a safety net
 * @param queueCapacity events buffered before the service falls back to a rescan
 * @param stateRewritePercent state.json is written whole once the change log holds more than this share of its size
 *     (by the service and by {@code once}); until then changes are appended to the log
 * @param stateRewriteInterval state.json is written whole at least this often while changes come in
 */
public record WatchConfig(Duration debounce, Duration maxDelay, Duration stateFlush, Duration rescanInterval,
        int queueCapacity, int stateRewritePercent, Duration stateRewriteInterval) {

    public WatchConfig(Duration debounce, Duration maxDelay, Duration stateFlush, Duration rescanInterval, int queueCapacity) {
        this(debounce, maxDelay, stateFlush, rescanInterval, queueCapacity, 25, Duration.ofMinutes(60));
    }

    public static WatchConfig defaults() {
        return new WatchConfig(Duration.ofMillis(1000), Duration.ofMillis(30_000), Duration.ofMillis(2000),
                Duration.ofMinutes(60), 100_000);
    }
}
