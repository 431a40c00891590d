package io.keepwatch.s3;

import io.keepwatch.repo.StoreUnavailableException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Runs one S3 request again after a failure that may pass: throttling (429, {@code SlowDown}), a server error
 * (5xx) or a network error (refused, reset, timed out, cut mid-transfer). Waits grow exponentially from
 * {@link #BASE} to at most {@link #CAP}, each drawn at random between half and all of that ("equal jitter"), so
 * clients that failed together do not return together; the retries stop when the next wait would pass the
 * total time allowed, and the last error is thrown as a {@link StoreUnavailableException} naming the request, the
 * number of attempts and the time spent. Other errors (403, 404, 400, ...) are not retried: an {@link S3IOException}
 * with the HTTP status. A quiet retrier logs its retries at DEBUG only: the service's replication uses one while it
 * already said the remote is unavailable, so an outage is one WARN in the log, not a line per retry.
 */
final class Retrier {
    private static final Logger log = LoggerFactory.getLogger(Retrier.class);
    static final Duration BASE = Duration.ofMillis(100);
    static final Duration CAP = Duration.ofSeconds(15);
    private static final Set<String> RETRY_CODES = Set.of("SlowDown", "Throttling", "ThrottlingException", "RequestTimeout",
            "InternalError", "ServiceUnavailable", "RequestTimeTooSkewed", "TooManyRequests");

    /** One attempt of a request; {@code attempt} counts from 1. */
    interface Attempt<T> {
        T run(int attempt) throws IOException;
    }

    private final String where;
    private final Duration total;
    private final boolean quiet;

    Retrier(String where, Duration total, boolean quiet) {
        this.where = where;
        this.total = total;
        this.quiet = quiet;
    }

    <T> T call(String what, Attempt<T> op) throws IOException {
        long start = System.nanoTime();
        for (int attempt = 1; ; attempt++) {
            try {
                return op.run(attempt);
            } catch (SdkException | IOException e) {
                if (!retryable(e)) {
                    throw failure(what, e, attempt, start);
                }
                long waitMs = backoffMillis(attempt);
                long spent = (System.nanoTime() - start) / 1_000_000;
                if (spent + waitMs > total.toMillis()) {
                    throw failure(what, e, attempt, start);
                }
                if (quiet) {
                    log.debug("{}: {} failed ({}); attempt {} in {} ms", where, what, reason(e), attempt + 1, waitMs);
                } else {
                    log.info("{}: {} failed ({}); attempt {} in {} ms", where, what, reason(e), attempt + 1, waitMs);
                }
                try {
                    Thread.sleep(waitMs);
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException(where + ": " + what + " interrupted while waiting to retry");
                }
            }
        }
    }

    static long backoffMillis(int attempt) {
        long ceiling = Math.min(CAP.toMillis(), BASE.toMillis() << Math.min(attempt - 1, 20));
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    /** Whether a failure may pass by itself. */
    static boolean retryable(Exception e) {
        if (e instanceof InterruptedIOException && !(e instanceof java.net.SocketTimeoutException)) {
            return false;
        }
        if (e instanceof AwsServiceException s) {
            int status = s.statusCode();
            String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            return status == 429 || status >= 500 && status != 501 || code != null && RETRY_CODES.contains(code);
        }
        return e instanceof SdkClientException || e instanceof IOException;
    }

    /** The failure in a few words: the HTTP status and error code, or the network error; never a header or credential. */
    static String reason(Exception e) {
        if (e instanceof AwsServiceException s) {
            String code = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorCode();
            String msg = s.awsErrorDetails() == null ? null : s.awsErrorDetails().errorMessage();
            return "HTTP " + s.statusCode() + (code == null ? "" : " " + code) + (msg == null || msg.isBlank() ? "" : ": " + msg);
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage();
        return root.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private IOException failure(String what, Exception e, int attempts, long start) {
        if (e instanceof IOException io && !retryable(e)) {
            return io;
        }
        long secs = (System.nanoTime() - start) / 1_000_000_000L;
        String tries = attempts > 1 ? " (gave up after " + attempts + " attempts in " + secs + " s)" : "";
        String message = where + ": " + what + " failed: " + reason(e) + tries;
        if (retryable(e)) {
            return new StoreUnavailableException(message);
        }
        return new S3IOException(message, e instanceof AwsServiceException s ? s.statusCode() : 0);
    }

    /** A request that failed for good; {@code status} is its HTTP status, 0 for a network error. */
    static final class S3IOException extends IOException {
        private static final long serialVersionUID = 1L;
        final int status;

        S3IOException(String message, int status) {
            super(message);
            this.status = status;
        }
    }
}
