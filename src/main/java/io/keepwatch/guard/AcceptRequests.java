package io.keepwatch.guard;

import io.keepwatch.fs.Fs;
import io.keepwatch.fs.TempFiles;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests to let the next full pass of a source make the deletions the guard holds, for a running service
 * (which holds the backup root's lock, so {@code once --accept-deletions} cannot run): {@code keepwatch
 * accept-deletions SOURCE} writes {@code .keepwatch/accept-deletions/<source>} holding the time it was made;
 * the service sees it at its next poll and runs a full pass of the source, which takes (deletes) it. A request
 * older than {@link #VALID_FOR} (the service was stopped meanwhile) or unreadable is dropped with a WARN, so an
 * old request never releases a later mass deletion.
 */
public final class AcceptRequests {
    private static final Logger log = LoggerFactory.getLogger(AcceptRequests.class);
    public static final Duration VALID_FOR = Duration.ofHours(1);

    private final Path dir;

    private final Fs fs;

    public AcceptRequests(BackupLayout layout, Fs fs) {
        this.dir = layout.privateDir().resolve("accept-deletions");
        this.fs = fs;
    }

    /** The request file of a source (source names are plain folder names: see the config's checks). */
    public Path file(String source) {
        return dir.resolve(source);
    }

    /** Writes a request (the CLI does; the service's lock is not needed). */
    public void request(String source, Instant now) throws IOException {
        if (!fs.isDirectory(dir)) {
            fs.createDirectory(dir);
        }
        Path tmp = dir.resolve("." + source + ".tmp");
        fs.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            ByteBuffer b = ByteBuffer.wrap(now.toString().getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        } catch (IOException e) {
            throw TempFiles.discard(fs, tmp, e);
        }
        fs.replaceAtomically(tmp, file(source));
    }

    /** Whether a request of {@code source} waits; false, with a WARN naming the file, when that cannot be told. */
    public boolean pending(String source) {
        Path f = file(source);
        try {
            return fs.isRegularFile(f);
        } catch (IOException e) {
            log.warn("Cannot look for a request to accept the deletions of {} ({}): {}", source, f, e.toString());
            return false;
        }
    }

    /** Takes a source's request, if there is one: true if it is valid now. */
    public boolean take(String source, Instant now) {
        Path f = file(source);
        String text;
        try {
            text = new String(fs.readAllBytes(f), StandardCharsets.UTF_8).strip();
            fs.delete(f);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            log.warn("Cannot read or remove the request to accept the deletions of {} ({}): {}", source, f, e.toString());
            return false;
        }
        try {
            Instant at = Instant.parse(text);
            if (at.isBefore(now.minus(VALID_FOR)) || at.isAfter(now.plus(VALID_FOR))) {
                log.warn("The request to accept the deletions of {} made at {} is dropped: older than {} minutes", source, at,
                        VALID_FOR.toMinutes());
                return false;
            }
        } catch (DateTimeParseException e) {
            log.warn("The request to accept the deletions of {} ({}) is dropped: it does not hold a time", source, f);
            return false;
        }
        log.info("Accepting the deletions of {}, as `keepwatch accept-deletions {}` asked", source, source);
        return true;
    }
}
