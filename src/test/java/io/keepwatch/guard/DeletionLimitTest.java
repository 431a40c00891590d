package io.keepwatch.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.config.GuardConfig;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The share limit, table-style: held only when at least min_files and more than percent of the tracked files, unless accepted. */
class DeletionLimitTest {

    @ParameterizedTest(name = "{0} tracked, {1} gone, limit {2}% / {3} files, accepted={4}, root replaced={5}: held={6}")
    @CsvSource({
            // below, at and above 50% with at least 1,000 files
            "3000, 1400, 50, 1000, false, false, false",
            "2000, 1000, 50, 1000, false, false, false",
            "2000, 1001, 50, 1000, false, false, true",
            // above 50%, below and at 1,000 files
            "1500,  999, 50, 1000, false, false, false",
            "1500, 1000, 50, 1000, false, false, true",
            // everything gone
            "1000, 1000, 50, 1000, false, false, true",
            " 999,  999, 50, 1000, false, false, false",
            // accepted: never held
            "2000, 2000, 50, 1000, true,  false, false",
            // nothing gone: nothing to hold
            "2000,    0, 50, 1000, false, false, false",
            "2000,    0, 50, 1000, false, true,  false",
            // a replaced source folder holds any deletion, unless accepted
            "2000,    1, 50, 1000, false, true,  true",
            "2000,    1, 50, 1000, true,  true,  false",
            // other limits: 100% never holds by share; 0 files and 0% hold any deletion
            "  10,   10, 100,   0, false, false, false",
            "  10,    1,  0,    0, false, false, true",
            "  10,    6, 50,    5, false, false, true",
            "  10,    5, 50,    5, false, false, false",
            // no overflow with large counts
            "2000000000, 1999999999, 99, 1000, false, false, true",
    })
    void holdsOnlyMassDeletions(int tracked, int deleting, int percent, int minFiles, boolean accepted, boolean replaced,
            boolean held) {
        DeletionLimit.Decision d = DeletionLimit.decide(tracked, deleting, new GuardConfig(percent, minFiles, Optional.empty()),
                accepted, replaced);
        assertEquals(held, d.hold(), d.why());
        assertEquals(held, !d.why().isEmpty());
    }
}
