package io.keepwatch.web;

import io.keepwatch.events.Trigger;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the page words things: triggers as the log names them, sizes, local times. */
final class Words {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private Words() {
    }

    static String trigger(Trigger t) {
        return switch (t) {
            case ONCE -> "Pass (once)";
            case STARTUP -> "Start-up reconciliation";
            case FULL_PASS -> "Full pass";
            case BATCH -> "Batch";
        };
    }

    /** {@code 1.5 MiB}, {@code 12 B}: as the rest of keepwatch words sizes. */
    static String bytes(long n) {
        return io.keepwatch.retention.Bytes.format(n);
    }

    /** {@code 42 s}, {@code 5 min}, {@code 3 h 12 min}, {@code 2 d 4 h}: a lag as a person reads it. */
    static String duration(java.time.Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min";
        }
        if (s < 86_400) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s / 86_400 + " d " + s % 86_400 / 3600 + " h";
    }

    /** Local time to the second, as the page shows it (the server's zone; its offset is in the page's footer). */
    static String local(Instant t, ZoneId zone) {
        return LOCAL.format(t.atZone(zone));
    }
}
