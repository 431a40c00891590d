package io.keepwatch.fs;

import java.io.InterruptedIOException;

/** Waiting between retries, behind an interface so tests do not wait. */
@FunctionalInterface
public interface Sleeper {
    Sleeper REAL = millis -> {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    };

    void sleep(long millis) throws InterruptedIOException;
}
