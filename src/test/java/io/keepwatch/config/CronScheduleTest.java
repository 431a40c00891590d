package io.keepwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The next slot of a cron expression in wall-clock time, across daylight-saving changes (Europe/Berlin, 2026). */
class CronScheduleTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @ParameterizedTest(name = "{0} after {1} -> {2}")
    @CsvSource({
            // plain: Sundays at 03:00 (CET = UTC+1)
            "0 3 * * 0,   2026-03-02T00:00:00Z, 2026-03-08T02:00:00Z",
            "0 3 * * 0,   2026-03-08T02:00:00Z, 2026-03-15T02:00:00Z",
            // 02:30 does not exist on 29 March (02:00 CET -> 03:00 CEST): it runs at the first instant after the gap
            "30 2 * * *,  2026-03-28T12:00:00Z, 2026-03-29T01:00:00Z",
            // ... and on the next day at 02:30 CEST again
            "30 2 * * *,  2026-03-29T01:00:00Z, 2026-03-30T00:30:00Z",
            // an hourly job skips nothing and runs nothing twice in the gap
            "0 * * * *,   2026-03-29T00:30:00Z, 2026-03-29T01:00:00Z",
            // 02:30 happens twice on 25 October (03:00 CEST -> 02:00 CET): it runs at the first one only
            "30 2 * * *,  2026-10-24T12:00:00Z, 2026-10-25T00:30:00Z",
            "30 2 * * *,  2026-10-25T00:30:00Z, 2026-10-26T01:30:00Z",
            // after the first 02:30 but before the second, the second is not another slot either
            "30 2 * * *,  2026-10-25T00:45:00Z, 2026-10-26T01:30:00Z",
    })
    void nextSlotInBerlin(String cron, String after, String expected) {
        assertEquals(Optional.of(Instant.parse(expected)), CronSchedule.parse(cron).next(Instant.parse(after), BERLIN));
    }

    @Test
    void inUtcItIsPlainCron() {
        assertEquals(Optional.of(Instant.parse("2026-03-29T02:30:00Z")),
                CronSchedule.parse("30 2 * * *").next(Instant.parse("2026-03-28T02:30:00Z"), ZoneOffset.UTC));
    }

    @Test
    void aBadExpressionSaysWhatIsWrong() {
        IllegalArgumentException fields = assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 3 * *"));
        assertTrue(fields.getMessage().startsWith("'0 3 * *' is not a cron expression of five fields"), fields.getMessage());
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class, () -> CronSchedule.parse("0 25 * * *"));
        assertTrue(value.getMessage().startsWith("'0 25 * * *' is not a valid cron expression: "), value.getMessage());
    }
}
