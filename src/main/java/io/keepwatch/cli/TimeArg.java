package io.keepwatch.cli;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code --at}: {@code 2026-11-21T10:15:00} (local time), {@code 2026-11-21T10:15:00+01:00} or
 * {@code …Z}; a space may replace the {@code T}; seconds are optional. A time without a fraction of a
 * second means the end of that second, so a time printed by {@code keepwatch versions} (to the second)
 * includes the change made during it.
 */
final class TimeArg {
    private static final Pattern FORM = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2})[T ](\\d{2}:\\d{2})(:\\d{2})?(\\.\\d{1,9})?(Z|[+-]\\d{2}:?\\d{2})?");

    private TimeArg() {
    }

    static Instant parse(String text, ZoneId zone) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a time; write e.g. 2026-11-21T10:15:00 (local time), "
                    + "2026-11-21T10:15:00+01:00 or 2026-11-21T09:15:00Z");
        }
        String iso = m.group(1) + "T" + m.group(2) + (m.group(3) == null ? ":00" : m.group(3))
                + (m.group(4) == null ? "" : m.group(4));
        String offset = m.group(5);
        Instant t;
        try {
            if (offset == null) {
                t = LocalDateTime.parse(iso).atZone(zone).toInstant();
            } else {
                String o = offset.equals("Z") ? "Z" : offset.length() == 5 ? offset.substring(0, 3) + ":" + offset.substring(3) : offset;
                t = OffsetDateTime.parse(iso + o).toInstant();
            }
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid time: " + e.getMessage(), e);
        }
        return m.group(4) == null ? t.plusNanos(999_999_999L) : t;
    }
}
