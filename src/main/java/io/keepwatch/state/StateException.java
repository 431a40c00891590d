package io.keepwatch.state;

import java.nio.file.Path;

/** state.json cannot be used; the message names the file and what to do. */
public final class StateException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public StateException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
