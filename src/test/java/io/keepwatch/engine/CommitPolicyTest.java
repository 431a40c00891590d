package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** When a commit writes state.json whole instead of appending to the change log: a table. */
class CommitPolicyTest {
    private static CommitPolicy policy(int percent) {
        return new CommitPolicy(Duration.ofSeconds(2), 50_000, percent, Duration.ofHours(1));
    }

    @ParameterizedTest(name = "{0}% : log {1} B beside state.json {2} B -> rewrite {3}")
    @CsvSource({
        "25, 0, 48000000, false",
        "25, 12000000, 48000000, false",
        "25, 12000001, 48000000, true",
        "100, 48000000, 48000000, false",
        "100, 48000001, 48000000, true",
        "1, 1, 0, true",
    })
    void logTooLarge(int percent, long logBytes, long stateBytes, boolean rewrite) {
        assertEquals(rewrite, policy(percent).logTooLarge(logBytes, stateBytes));
    }

    @ParameterizedTest(name = "{0}% : {1} changes of {2} records -> rewrite {3}")
    @CsvSource({
        "25, 1, 200000, false",
        "25, 50000, 200000, false",
        "25, 50001, 200000, true",
        "25, 1, 3, false",
        "25, 2, 3, true",
        "1000, 200000, 20000, false",
    })
    void changesTooMany(int percent, long changes, long records, boolean rewrite) {
        assertEquals(rewrite, policy(percent).changesTooMany(changes, records));
    }

    /**
     * A full pass's commits: at least passActions (50,000) apart, and at least as many actions as the state held at the
     * last commit, up to 8 x passActions; a first backup (no records at the last commit) only at its end.
     */
    @ParameterizedTest(name = "{0} actions since a commit that left {1} records -> commit {2}")
    @CsvSource({
        "49999, 0, false",
        "50000, 0, false",
        "1000000, 0, false",
        "49999, 1, false",
        "50000, 1, true",
        "50000, 50000, true",
        "99999, 100000, false",
        "100000, 100000, true",
        "399999, 400000, false",
        "400000, 400000, true",
        "400000, 5000000, true",
        "399999, 5000000, false",
        "50000, 30000, true",
    })
    void passCommitStepsGrowWithTheState(long actions, long records, boolean due) {
        assertEquals(due, policy(25).passCommitDue(actions, records));
    }

    @ParameterizedTest
    @CsvSource({"-1, 1, 25, 60", "0, 0, 25, 60", "0, 1, 0, 60", "0, 1, 25, 0"})
    void outOfRangeValuesAreRefused(long flushMs, int passActions, int percent, long minutes) {
        assertThrows(IllegalArgumentException.class, () -> new CommitPolicy(Duration.ofMillis(flushMs), passActions, percent,
                Duration.ofMinutes(minutes)));
    }
}
