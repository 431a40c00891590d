package io.keepwatch.engine;

/** Another keepwatch process is using the same backup root. */
public final class LockedException extends Exception {
    private static final long serialVersionUID = 1L;

    public LockedException(String message) {
        super(message);
    }
}
