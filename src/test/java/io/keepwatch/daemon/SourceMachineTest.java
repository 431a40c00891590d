package io.keepwatch.daemon;

import static io.keepwatch.events.SourceState.OK;
import static io.keepwatch.events.SourceState.POLLING;
import static io.keepwatch.events.SourceState.UNAVAILABLE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.daemon.SourceMachine.Effect;
import io.keepwatch.daemon.SourceMachine.Input;
import io.keepwatch.events.SourceState;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The service's rules for a source, one row per state and input: the state it goes to, and what the service does. */
class SourceMachineTest {
    static Stream<Arguments> rows() {
        return Stream.of(
                row(UNAVAILABLE, Input.WATCHING, OK, Effect.NONE),
                row(POLLING, Input.WATCHING, OK, Effect.NONE),
                row(OK, Input.WATCHING, OK, Effect.NONE),

                row(UNAVAILABLE, Input.WATCH_LIMIT, POLLING, Effect.PASS_AFTER_LIMIT_RESCAN),
                row(OK, Input.WATCH_LIMIT, POLLING, Effect.PASS_AFTER_LIMIT_RESCAN),
                row(POLLING, Input.WATCH_LIMIT, POLLING, Effect.PASS_AFTER_LIMIT_RESCAN),
                row(OK, Input.LIMIT_SIGNAL, POLLING, Effect.PASS_AFTER_LIMIT_RESCAN),
                row(POLLING, Input.LIMIT_SIGNAL, POLLING, Effect.NONE),
                row(UNAVAILABLE, Input.LIMIT_SIGNAL, UNAVAILABLE, Effect.NONE),

                row(OK, Input.UNAVAILABLE, UNAVAILABLE, Effect.STOP_WATCHING),
                row(POLLING, Input.UNAVAILABLE, UNAVAILABLE, Effect.STOP_WATCHING),
                row(UNAVAILABLE, Input.UNAVAILABLE, UNAVAILABLE, Effect.STOP_WATCHING),

                row(OK, Input.RESCAN, OK, Effect.PASS_NOW),
                row(POLLING, Input.RESCAN, POLLING, Effect.PASS_NOW),
                row(UNAVAILABLE, Input.RESCAN, UNAVAILABLE, Effect.NONE),

                row(OK, Input.LOST, OK, Effect.WATCH_AGAIN),
                row(POLLING, Input.LOST, POLLING, Effect.WATCH_AGAIN),
                row(UNAVAILABLE, Input.LOST, UNAVAILABLE, Effect.NONE),

                row(OK, Input.PERIODIC, OK, Effect.PASS_NOW),
                row(POLLING, Input.PERIODIC, POLLING, Effect.NONE),
                row(UNAVAILABLE, Input.PERIODIC, UNAVAILABLE, Effect.RETRY_AT_NEXT_POLL),

                row(OK, Input.CHANGED_PATH, OK, Effect.BACK_UP_PATH),
                row(POLLING, Input.CHANGED_PATH, POLLING, Effect.BACK_UP_PATH),
                row(UNAVAILABLE, Input.CHANGED_PATH, UNAVAILABLE, Effect.NONE),

                row(OK, Input.POLL, OK, Effect.CHECK_WATCH),
                row(POLLING, Input.POLL, POLLING, Effect.CHECK_WATCH),
                row(UNAVAILABLE, Input.POLL, UNAVAILABLE, Effect.TRY_COMING_BACK),

                row(OK, Input.PASS_FAILED, OK, Effect.PASS_AFTER_RETRY),
                row(POLLING, Input.PASS_FAILED, POLLING, Effect.PASS_AFTER_RETRY),
                row(UNAVAILABLE, Input.PASS_FAILED, UNAVAILABLE, Effect.NONE),

                row(OK, Input.PASS_DONE, OK, Effect.NONE),
                row(POLLING, Input.PASS_DONE, POLLING, Effect.PASS_AFTER_LIMIT_RESCAN),
                row(UNAVAILABLE, Input.PASS_DONE, UNAVAILABLE, Effect.NONE));
    }

    static Arguments row(SourceState from, Input input, SourceState to, Effect effect) {
        return Arguments.of(from, input, to, effect);
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}, {3}")
    @MethodSource("rows")
    void step(SourceState from, Input input, SourceState to, Effect effect) {
        assertEquals(new SourceMachine.Step(to, effect), SourceMachine.on(from, input));
    }

    @Test
    void theTableHasARowForEveryStateAndInput() {
        Set<String> covered = rows().map(a -> a.get()[0] + "+" + a.get()[1]).collect(Collectors.toSet());
        for (SourceState s : SourceState.values()) {
            for (Input i : Input.values()) {
                assertEquals(true, covered.contains(s + "+" + i), "no row for " + s + " + " + i);
            }
        }
        assertEquals(SourceState.values().length * Input.values().length, rows().count(), "one row each");
        assertEquals(EnumSet.allOf(Effect.class), rows().map(a -> (Effect) a.get()[3]).collect(Collectors.toCollection(
                () -> EnumSet.noneOf(Effect.class))), "every effect is reached");
    }
}
