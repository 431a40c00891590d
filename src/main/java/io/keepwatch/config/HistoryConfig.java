package io.keepwatch.config;

import java.time.Duration;

/**
 * The {@code history} section: how long the run history keeps its rows.
 *
 * @param keep rows older than this are deleted ({@code history.keep_days}, default {@value #DEFAULT_KEEP_DAYS} days)
 */
public record HistoryConfig(Duration keep) {
    public static final int DEFAULT_KEEP_DAYS = 400;

    public static HistoryConfig defaults() {
        return new HistoryConfig(Duration.ofDays(DEFAULT_KEEP_DAYS));
    }
}
