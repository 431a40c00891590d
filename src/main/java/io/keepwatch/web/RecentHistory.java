package io.keepwatch.web;

import io.keepwatch.history.FailureRow;
import io.keepwatch.history.HistoryStore;
import io.keepwatch.history.PassRow;
import io.keepwatch.events.Outcome;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The run history's last day for the page (passes and failures, newest first), read from {@code history.db}
 * read-only and kept for {@link #FRESH} so that many open pages do not query it many times a second.
 */
final class RecentHistory {
    static final Duration FRESH = Duration.ofSeconds(5);
    static final int ROWS = 30;

    /** What the page shows, or why it cannot. */
    record View(List<PassRow> passes, List<FailureRow> failures, Optional<String> problem) {
    }

    private final Path file;
    private final Clock clock;
    private View cached;
    private Instant cachedAt = Instant.MIN;

    RecentHistory(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    synchronized View view() {
        Instant now = clock.instant();
        if (cached != null && now.isBefore(cachedAt.plus(FRESH))) {
            return cached;
        }
        cached = read(now.minus(Duration.ofDays(1)));
        cachedAt = now;
        return cached;
    }

    private View read(Instant since) {
        try {
            Optional<HistoryStore> h = HistoryStore.openReadOnly(file);
            if (h.isEmpty()) {
                return new View(List.of(), List.of(), Optional.empty());
            }
            try (HistoryStore store = h.get()) {
                return new View(newest(store.passes(since, Optional.empty())), newest(store.failures(since, Optional.empty())),
                        Optional.empty());
            }
        } catch (SQLException | RuntimeException e) {
            return new View(List.of(), List.of(), Optional.of("the run history cannot be read: " + e.getMessage()));
        }
    }

    private static <T> List<T> newest(List<T> oldestFirst) {
        List<T> out = new ArrayList<>(oldestFirst.subList(Math.max(0, oldestFirst.size() - ROWS), oldestFirst.size()));
        Collections.reverse(out);
        return out;
    }

    /** When each source's last pass that ran through ended, over the last 30 days of history. */
    static Map<String, Instant> lastBackups(Path file, Clock clock) {
        Map<String, Instant> out = new HashMap<>();
        try {
            Optional<HistoryStore> h = HistoryStore.openReadOnly(file);
            if (h.isPresent()) {
                try (HistoryStore store = h.get()) {
                    for (PassRow p : store.passes(clock.instant().minus(Duration.ofDays(30)), Optional.empty())) {
                        if (p.outcome() != Outcome.FAILED) {
                            p.sources().stream().filter(s -> !p.unavailable().contains(s)).forEach(s -> out.put(s, p.ended()));
                        }
                    }
                }
            }
        } catch (SQLException | RuntimeException e) {
            // no history to start from: the first pass tells
        }
        return out;
    }
}
