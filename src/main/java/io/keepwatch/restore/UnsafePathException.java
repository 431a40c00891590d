package io.keepwatch.restore;

/** A state.json entry whose path would lead outside the folder it belongs in (or through a symbolic link). */
public final class UnsafePathException extends Exception {
    private static final long serialVersionUID = 1L;

    public UnsafePathException(String entry, String reason) {
        super(entry + ": " + reason);
    }
}
