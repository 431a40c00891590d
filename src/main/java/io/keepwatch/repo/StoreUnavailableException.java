package io.keepwatch.repo;

import java.io.IOException;

/**
 * The store cannot be reached for now: network errors, server errors or throttling went on longer than the
 * store retries them. It may pass by itself (the service's replication says "remote unavailable" and tries again
 * later), unlike a refusal (wrong credentials, a missing bucket), which is another {@link IOException}.
 */
public class StoreUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message) {
        super(message);
    }
}
