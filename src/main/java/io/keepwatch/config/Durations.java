package io.keepwatch.config;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as config.json and the retention reasons write them: "7d", "12h", "2w3d", "90s". */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("(?:(\\d{1,6})w)?(?:(\\d{1,6})d)?(?:(\\d{1,7})h)?(?:(\\d{1,9})m)?(?:(\\d{1,10})s)?");

    private Durations() {
    }

    /** Parses "2w3d12h30m10s" (any of the parts, in this order); empty if it is not such a text or is zero. */
    public static Optional<Duration> parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (text.isBlank() || !m.matches()) {
            return Optional.empty();
        }
        Duration d = Duration.ofDays(7 * num(m.group(1)) + num(m.group(2)))
                .plusHours(num(m.group(3))).plusMinutes(num(m.group(4))).plusSeconds(num(m.group(5)));
        return d.isZero() ? Optional.empty() : Optional.of(d);
    }

    private static long num(String g) {
        return g == null ? 0 : Long.parseLong(g);
    }

    /** A text {@link #parse} reads back as {@code d}, in days and less: "7d", "14d", "1d12h", "30s". */
    public static String format(Duration d) {
        long s = d.getSeconds();
        StringBuilder b = new StringBuilder();
        long days = s / 86_400;
        if (days > 0) {
            b.append(days).append('d');
        }
        s %= 86_400;
        if (s / 3600 > 0) {
            b.append(s / 3600).append('h');
        }
        s %= 3600;
        if (s / 60 > 0) {
            b.append(s / 60).append('m');
        }
        if (s % 60 > 0 || b.length() == 0) {
            b.append(s % 60).append('s');
        }
        return b.toString();
    }
}
