package io.keepwatch.hash;

import java.nio.file.FileSystemException;

/** A file kept changing while keepwatch read it, so no consistent copy could be made this time. */
public final class FileChangedException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    public FileChangedException(String file, String reason) {
        super(file, null, reason);
    }
}
