package io.keepwatch.s3;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;

/**
 * The bandwidth limit: a token bucket shared by every upload of a store, refilled at {@code rate} bytes per
 * second and holding at most a quarter second of it, so uploads together never send faster than the limit for
 * longer than that. A stream that goes through it waits before each read until the bytes are allowed.
 */
final class Throttle {
    private final long rate;
    private final long burst;
    private double tokens;
    private long last = System.nanoTime();

    Throttle(long bytesPerSecond) {
        this.rate = bytesPerSecond;
        this.burst = Math.max(16 * 1024, bytesPerSecond / 4);
        this.tokens = burst;
    }

    /** Takes up to {@code want} bytes' worth (at least one), waiting until some are there; returns how many it took. */
    int take(int want) throws InterruptedIOException {
        synchronized (this) {
            while (true) {
                long now = System.nanoTime();
                tokens = Math.min(burst, tokens + (now - last) * rate / 1e9);
                last = now;
                if (tokens >= 1) {
                    int got = (int) Math.min(want, Math.min(tokens, Integer.MAX_VALUE));
                    tokens -= got;
                    return got;
                }
                long waitNanos = (long) ((Math.min(want, burst) - tokens) * 1e9 / rate);
                try {
                    this.wait(Math.max(1, waitNanos / 1_000_000), 0);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted by the bandwidth limit");
                }
            }
        }
    }

    InputStream wrap(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                take(1);
                return super.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                return super.read(b, off, take(len));
            }
        };
    }
}
