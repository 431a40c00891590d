package io.keepwatch.retention;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;

/**
 * The calendar buckets of {@code keep_hourly} ... {@code keep_yearly}: the label of the bucket an instant falls in,
 * in a time zone. Days, months and years are those of the zone's calendar (a day of 23 or 25 hours at a DST change
 * is one day); weeks are ISO weeks (Monday to Sunday, "2026-W48"); an hour is an hour of real time, so the hour
 * that repeats when the clocks go back is two buckets, told apart by their offset ("2026-10-25 02:00+02:00" and
 * "2026-10-25 02:00+01:00").
 */
enum CalendarBucket {
    HOURLY("hourly"), DAILY("daily"), WEEKLY("weekly"), MONTHLY("monthly"), YEARLY("yearly");

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mmxxx");

    final String rule;

    CalendarBucket(String rule) {
        this.rule = rule;
    }

    /** The label of the bucket holding {@code t}, e.g. "2026-11-30". */
    String label(Instant t, ZoneId zone) {
        ZonedDateTime z = t.atZone(zone);
        return switch (this) {
            case HOURLY -> HOUR.format(z.truncatedTo(ChronoUnit.HOURS));
            case DAILY -> z.toLocalDate().toString();
            case WEEKLY -> String.format("%d-W%02d", z.get(IsoFields.WEEK_BASED_YEAR), z.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case MONTHLY -> String.format("%d-%02d", z.getYear(), z.getMonthValue());
            case YEARLY -> Integer.toString(z.getYear());
        };
    }
}
