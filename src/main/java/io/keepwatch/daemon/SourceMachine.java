package io.keepwatch.daemon;

import io.keepwatch.events.SourceState;

/**
 * The service's rules for one source, as a pure function: what each {@link Input} does to a source in a given
 * {@link SourceState}, that is, the state it goes to and the one {@link Effect} the service then carries out. The
 * {@link Daemon} feeds it what it observes (a probe, a watch registration, a signal from the watches, a tick of the
 * periodic rescan, the outcome of a pass or batch) and does what it says; {@code SourceMachineTest} is its table.
 */
final class SourceMachine {
    private SourceMachine() {
    }

    /** What the service observed of a source. */
    enum Input {
        /** Its watch is registered (every folder of it). */
        WATCHING,
        /** The OS refused more watches when it was registered. */
        WATCH_LIMIT,
        /** The OS refused more watches later, while it was watched (the watches' LIMIT signal). */
        LIMIT_SIGNAL,
        /** Its folder is missing, unmounted, or cannot be watched for another reason; or a pass found it so. */
        UNAVAILABLE,
        /** The watches lost events (queue overflow) or asked for a rescan: a full pass reconciles. */
        RESCAN,
        /** Its watch ended, or its root folder was removed or replaced. */
        LOST,
        /** The periodic rescan's time came ({@code watch.rescan_interval_minutes}). */
        PERIODIC,
        /** A path of it changed (when the watch reports it, and again when its batch is ready). */
        CHANGED_PATH,
        /** The service's poll ({@link Timing#poll()}). */
        POLL,
        /** A pass or batch of it stopped with an error (not one file: the whole of it). */
        PASS_FAILED,
        /** A full pass of it finished. */
        PASS_DONE
    }

    /** What the service does about it. */
    enum Effect {
        /** Nothing. */
        NONE,
        /** Close its watch, forget its pending paths and passes: nothing of it is touched until it is back. */
        STOP_WATCHING,
        /** A full pass now. */
        PASS_NOW,
        /** A full pass after {@link Timing#limitRescan()}, unless one is due already. */
        PASS_AFTER_LIMIT_RESCAN,
        /** A full pass after the retry delay (five polls). */
        PASS_AFTER_RETRY,
        /** Probe it again: watch it again with a full pass if it is there, else it is UNAVAILABLE. */
        WATCH_AGAIN,
        /** Let the next poll try it again, even if its folder looks as it did when it last failed to come back. */
        RETRY_AT_NEXT_POLL,
        /** Back the path up: debounce it, and back it up with the other paths of its batch. */
        BACK_UP_PATH,
        /** Probe it, and if it is back (and not as it was when it last failed to come back), watch it again. */
        TRY_COMING_BACK,
        /** Check that its root is the folder watched, and ask the deletion guard about its mount points. */
        CHECK_WATCH
    }

    /** The state a source goes to, and what the service does. */
    record Step(SourceState next, Effect effect) {
    }

    static Step on(SourceState state, Input input) {
        boolean unavailable = state == SourceState.UNAVAILABLE;
        return switch (input) {
            case WATCHING -> new Step(SourceState.OK, Effect.NONE);
            case WATCH_LIMIT -> new Step(SourceState.POLLING, Effect.PASS_AFTER_LIMIT_RESCAN);
            case LIMIT_SIGNAL -> state == SourceState.OK ? new Step(SourceState.POLLING, Effect.PASS_AFTER_LIMIT_RESCAN) : stay(state);
            case UNAVAILABLE -> new Step(SourceState.UNAVAILABLE, Effect.STOP_WATCHING);
            case RESCAN -> unavailable ? stay(state) : new Step(state, Effect.PASS_NOW);
            case LOST -> unavailable ? stay(state) : new Step(state, Effect.WATCH_AGAIN);
            case PERIODIC -> switch (state) {
                case OK -> new Step(state, Effect.PASS_NOW);
                case UNAVAILABLE -> new Step(state, Effect.RETRY_AT_NEXT_POLL);
                case POLLING -> stay(state);
            };
            case CHANGED_PATH -> unavailable ? stay(state) : new Step(state, Effect.BACK_UP_PATH);
            case POLL -> new Step(state, unavailable ? Effect.TRY_COMING_BACK : Effect.CHECK_WATCH);
            case PASS_FAILED -> unavailable ? stay(state) : new Step(state, Effect.PASS_AFTER_RETRY);
            case PASS_DONE -> state == SourceState.POLLING ? new Step(state, Effect.PASS_AFTER_LIMIT_RESCAN) : stay(state);
        };
    }

    private static Step stay(SourceState state) {
        return new Step(state, Effect.NONE);
    }
}
