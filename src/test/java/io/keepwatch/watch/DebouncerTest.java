package io.keepwatch.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DebouncerTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    private static Instant at(long ms) {
        return T0.plusMillis(ms);
    }

    /**
     * debounce 100 ms, max delay 1000 ms. {@code touches}: the instants (ms) at which "a" is touched;
     * {@code takes}: the instants at which ready keys are taken; {@code expected}: which of those takes return "a".
     */
    @ParameterizedTest(name = "touches {0}, takes {1} -> {2}")
    @CsvSource(delimiter = ';', value = {
        "0;       99;            -",
        "0;       100;           a",
        "0;       99 100;        - a",
        "0 50;    100 149 150;   - - a",
        "0 60 120 180; 200 279 280; - - a",
        // never quiet: touched every 50 ms, still ready once max delay passed since the first touch
        "0 50 100 150 200 250 300 350 400 450 500 550 600 650 700 750 800 850 900 950; 999 1000; - a",
        // taken, then touched again: a new period starts from the new touch
        "0 500; 100 599 600; a - a",
    })
    void readiness(String touches, String takes, String expected) {
        Debouncer<String> d = new Debouncer<>(Duration.ofMillis(100), Duration.ofMillis(1000));
        long[] ts = java.util.Arrays.stream(touches.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
        long[] tk = java.util.Arrays.stream(takes.trim().split("\\s+")).mapToLong(Long::parseLong).toArray();
        String[] exp = expected.trim().split("\\s+");
        StringBuilder got = new StringBuilder();
        int ti = 0;
        for (int k = 0; k < tk.length; k++) {
            while (ti < ts.length && ts[ti] <= tk[k]) {
                d.touch("a", at(ts[ti++]));
            }
            List<String> ready = d.takeReady(at(tk[k]));
            got.append(k == 0 ? "" : " ").append(ready.isEmpty() ? "-" : String.join(",", ready));
        }
        assertEquals(String.join(" ", exp), got.toString());
    }

    @Test
    void keysAreIndependentAndNextReadyIsTheEarliest() {
        Debouncer<String> d = new Debouncer<>(Duration.ofMillis(100), Duration.ofMillis(1000));
        assertEquals(Optional.empty(), d.nextReady());
        d.touch("a", at(0));
        d.touch("b", at(30));
        d.touch("a", at(60));
        assertEquals(Optional.of(at(130)), d.nextReady());
        assertEquals(List.of("b"), d.takeReady(at(130)));
        assertEquals(List.of(), d.takeReady(at(159)));
        assertEquals(List.of("a"), d.takeReady(at(160)));
        assertEquals(0, d.size());
    }

    @Test
    void forgetDropsMatchingKeys() {
        Debouncer<SourcePath> d = new Debouncer<>(Duration.ofMillis(100), Duration.ofMillis(1000));
        d.touch(new SourcePath("docs", "a.txt"), at(0));
        d.touch(new SourcePath("photos", "b.jpg"), at(0));
        d.forget(p -> p.source().equals("docs"));
        assertEquals(List.of(new SourcePath("photos", "b.jpg")), d.takeReady(at(100)));
    }
}
