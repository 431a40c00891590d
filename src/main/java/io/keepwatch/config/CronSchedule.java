package io.keepwatch.config;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.Optional;

/**
 * A cron expression of five fields (minute, hour, day of month, month, day of week; as crontab(5)), read with
 * cron-utils, whose times are wall-clock times of a zone. cron-utils skips a time that falls into a daylight-saving
 * gap (02:30 on the spring-forward day in Europe/Berlin) altogether; here such a slot runs at the first instant
 * after the gap (03:00 CEST). A time that occurs twice (the autumn overlap) runs once, at its first occurrence.
 */
public final class CronSchedule {
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final String text;
    private final ExecutionTime times;

    private CronSchedule(String text, Cron cron) {
        this.text = text;
        this.times = ExecutionTime.forCron(cron);
    }

    /** Reads {@code text}; an IllegalArgumentException says what is wrong with it. */
    public static CronSchedule parse(String text) {
        String t = text.trim();
        if (t.split("\\s+").length != 5) {
            throw new IllegalArgumentException("'" + text + "' is not a cron expression of five fields (minute hour day-of-month "
                    + "month day-of-week, e.g. \"0 3 * * 0\" for Sundays at 03:00)");
        }
        try {
            return new CronSchedule(t, PARSER.parse(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not a valid cron expression: " + e.getMessage(), e);
        }
    }

    /** The first slot strictly after {@code after}, in {@code zone}; empty if there is none (e.g. February 30th). */
    public Optional<Instant> next(Instant after, ZoneId zone) {
        ZoneRules rules = zone.getRules();
        LocalDateTime from = LocalDateTime.ofInstant(after, zone);
        // Wall-clock arithmetic: cron-utils is asked in UTC, which has no gaps or overlaps.
        for (int guard = 0; guard < 4; guard++) {
            Optional<ZonedDateTime> n = times.nextExecution(from.atZone(ZoneOffset.UTC));
            if (n.isEmpty()) {
                return Optional.empty();
            }
            LocalDateTime slot = n.get().toLocalDateTime();
            List<ZoneOffset> offsets = rules.getValidOffsets(slot);
            if (offsets.isEmpty()) {
                ZoneOffsetTransition gap = rules.getTransition(slot);
                Instant first = gap.getInstant(); // the first instant after the gap
                if (first.isAfter(after)) {
                    return Optional.of(first);
                }
            } else {
                for (ZoneOffset o : offsets) { // earlier occurrence first
                    Instant at = slot.toInstant(o);
                    if (at.isAfter(after)) {
                        return Optional.of(at);
                    }
                }
            }
            from = slot;
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CronSchedule c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
