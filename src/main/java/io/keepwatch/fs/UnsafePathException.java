package io.keepwatch.fs;

import java.nio.file.FileSystemException;

/**
 * A path in or under the backup root that keepwatch refuses to use: a name read from disk that is not a clean
 * relative path ({@code ..}, absolute, a drive letter, NUL, empty names), or a symbolic link (or a file) where a
 * real folder of the backup root must be. Nothing was changed when it is thrown.
 */
public final class UnsafePathException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    public UnsafePathException(String path, String reason) {
        super(path, null, reason);
    }
}
