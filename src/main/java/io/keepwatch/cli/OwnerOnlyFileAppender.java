package io.keepwatch.cli;

import ch.qos.logback.core.rolling.RollingFileAppender;
import io.keepwatch.fs.Modes;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * logback's rolling file appender, but the log file it opens (at start and after each roll) is owner-only
 * ({@code 0600}) from its creation: logback itself creates it with the process's umask, {@code 0644} from a
 * shell, and the log names every file keepwatch backs up. The rolled {@code .log.gz} files are made by logback's
 * compressor with the umask's mode; what keeps them private is the log folder, which keepwatch makes owner-only
 * ({@link LogSetup#toFile}).
 */
public class OwnerOnlyFileAppender<E> extends RollingFileAppender<E> {
    @Override
    public void openFile(String fileName) throws IOException {
        Path file = Path.of(fileName).toAbsolutePath();
        // logback makes a missing folder itself (with the umask's mode): made here, owner-only, as LogSetup makes it.
        Modes.createFolders(file.getParent());
        try {
            Files.createFile(file, Modes.ownerOnlyFile(file));
        } catch (FileAlreadyExistsException e) {
            Modes.restrict(file);
        }
        super.openFile(fileName);
    }
}
