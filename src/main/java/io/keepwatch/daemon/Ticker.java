package io.keepwatch.daemon;

import io.keepwatch.watch.ChangeQueue;
import java.time.Duration;

/**
 * How the service's loop waits for its next wake-up: until {@code timeout} has passed on the service's clock or the
 * watches deliver something (or the service is woken), then it takes what was delivered. The service's own is
 * {@link #REAL}: the queue's wait, in real time. A test passes one that moves a test clock on instead of waiting, so
 * hours of the service's time (periodic rescans, polls, retries) pass in moments.
 */
@FunctionalInterface
interface Ticker {
    /** Waits on the queue itself, in real time. */
    Ticker REAL = ChangeQueue::await;

    ChangeQueue.Drained await(ChangeQueue queue, Duration timeout) throws InterruptedException;
}
