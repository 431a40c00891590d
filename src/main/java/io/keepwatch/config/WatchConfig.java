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
 */
public record WatchConfig(Duration debounce, Duration maxDelay, Duration stateFlush, Duration rescanInterval,
        int queueCapacity) {

    public static WatchConfig defaults() {
        return new WatchConfig(Duration.ofMillis(1000), Duration.ofMillis(30_000), Duration.ofMillis(2000),
                Duration.ofMinutes(60), 100_000);
    }
}
