package io.keepwatch.restore;

/** A restore or lookup that cannot start at all (bad destination, nothing matches, no such version). */
public final class RestoreException extends Exception {
    private static final long serialVersionUID = 1L;

    public RestoreException(String message) {
        super(message);
    }
}
