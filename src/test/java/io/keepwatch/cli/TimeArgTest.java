package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** --at as a table: what the user types, in which local zone, and the instant it means. */
class TimeArgTest {
    @ParameterizedTest(name = "{0} in {1}")
    @CsvSource({
            "2026-11-21T10:15:00,        Europe/Berlin, 2026-11-21T09:15:00.999999999Z",
            "2026-11-21 10:15:00,        Europe/Berlin, 2026-11-21T09:15:00.999999999Z",
            "2026-11-21T10:15,           UTC,           2026-11-21T10:15:00.999999999Z",
            "2026-11-21T10:15:00Z,       Europe/Berlin, 2026-11-21T10:15:00.999999999Z",
            "2026-11-21T10:15:00+01:00,  UTC,           2026-11-21T09:15:00.999999999Z",
            "2026-11-21T10:15:00-0530,   UTC,           2026-11-21T15:45:00.999999999Z",
            "2026-11-21T10:15:00.250Z,   UTC,           2026-11-21T10:15:00.250Z",
            "2026-07-01T12:00:00,        Europe/Berlin, 2026-07-01T10:00:00.999999999Z"})
    void parses(String text, String zone, String expected) {
        assertEquals(Instant.parse(expected), TimeArg.parse(text, ZoneId.of(zone)));
    }

    @ParameterizedTest
    @CsvSource({"yesterday", "2026-11-21", "2026-13-01T10:00:00", "2026-11-21T25:00:00", "10:15"})
    void refuses(String text) {
        assertThrows(IllegalArgumentException.class, () -> TimeArg.parse(text, ZoneId.of("UTC")));
    }

    @ParameterizedTest
    @CsvSource({"2026-11-21T10:15:00.5Z", "2026-03-29T01:30:00.000000001Z"})
    void whatVersionsPrintsReadsBackAsTheSameSecond(String instant) {
        Instant t = Instant.parse(instant);
        Instant back = TimeArg.parse(BackupReader.local(t), ZoneId.systemDefault());
        assertEquals(t.getEpochSecond(), back.getEpochSecond());
        assertEquals(999_999_999, back.getNano());
    }
}
