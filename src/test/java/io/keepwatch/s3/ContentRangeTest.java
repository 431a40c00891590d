package io.keepwatch.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A short GET body is damage only when the object's size (Content-Range total) says it really ends there. */
class ContentRangeTest {
    @ParameterizedTest(name = "{0} / end {1} -> ends before: {2}")
    @CsvSource(nullValues = "null", value = {
            "'bytes 0-99/1000', 100, false",     // the object is longer: a cut body, retried
            "'bytes 900-999/1000', 1000, false",
            "'bytes 900-949/950', 1000, true",   // the object ends at 950: truncated, damage
            "'bytes 0-9/5', 10, true",
            "'bytes 0-99/*', 100, false",        // size unknown: retried
            "'garbage', 100, false",
            "null, 100, false"})
    void table(String contentRange, long end, boolean endsBefore) {
        assertEquals(endsBefore, S3Store.endsBefore(contentRange, end));
    }
}
