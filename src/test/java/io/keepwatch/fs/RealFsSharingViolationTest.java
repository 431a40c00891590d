package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.state.FileFacts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A source file that another process holds open without sharing (Windows' ERROR_SHARING_VIOLATION) is opened
 * again with backoff. Windows is simulated through RealFs's opener seam: Java reports the violation as a
 * FileSystemException carrying Windows' message, exactly as built here; the waits go through {@link Sleeper}.
 */
class RealFsSharingViolationTest {
    /** What Java on Windows reports for ERROR_SHARING_VIOLATION (32): WindowsException.translateToIOException. */
    private static final String SHARING = "The process cannot access the file because it is being used by another process.";
    private static final String LOCKED = "The process cannot access the file because another process has locked a portion of the file.";

    private static final RealFs.Replacer REAL_REPLACE = (from, to) -> {
        throw new AssertionError("nothing is replaced here");
    };

    @TempDir
    Path dir;

    private final List<Long> sleeps = new ArrayList<>();
    private final Sleeper recordingSleeper = sleeps::add;
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private Logger realFsLogger;

    @BeforeEach
    void captureLog() {
        realFsLogger = (Logger) LoggerFactory.getLogger(RealFs.class);
        logged.start();
        realFsLogger.addAppender(logged);
    }

    @AfterEach
    void releaseLog() {
        realFsLogger.detachAppender(logged);
    }

    /** Opens for real once the simulated lock has been refused {@code refusals} times. */
    private static RealFs.SourceOpener lockedFor(int refusals, String reason, AtomicInteger opens) {
        return file -> {
            if (opens.incrementAndGet() <= refusals) {
                throw new FileSystemException(file.toString(), null, reason);
            }
            return Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        };
    }

    private static String readAll(SeekableByteChannel ch) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1024);
        try (ch) {
            while (ch.read(buf) >= 0) {
                // until end of file
            }
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
    }

    @Test
    void fileLockedByAnotherProcessIsOpenedOnceTheLockIsGone() throws IOException {
        Path file = Files.writeString(dir.resolve("report.docx"), "the content");
        AtomicInteger opens = new AtomicInteger();
        RealFs fs = new RealFs(true, recordingSleeper, lockedFor(2, SHARING, opens), REAL_REPLACE);

        assertEquals("the content", readAll(fs.openSource(file)));

        assertEquals(3, opens.get());
        assertEquals(List.of(100L, 200L), sleeps);
        List<String> warnings = logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(List.of(
                file + " is locked by another process (" + SHARING + "); retrying in 100 ms",
                file + " is locked by another process (" + SHARING + "); retrying in 200 ms"), warnings);
    }

    @Test
    void aLockedRangeIsRetriedToo() throws IOException {
        Path file = Files.writeString(dir.resolve("db.sqlite"), "rows");
        AtomicInteger opens = new AtomicInteger();
        RealFs fs = new RealFs(true, recordingSleeper, lockedFor(1, LOCKED, opens), REAL_REPLACE);

        assertEquals("rows", readAll(fs.openSource(file)));
        assertEquals(List.of(100L), sleeps);
    }

    @Test
    void aFileThatStaysLockedFailsWithItsPathAndWindowsReasonAfterBackoff() throws IOException {
        Path file = Files.writeString(dir.resolve("outlook.pst"), "mail");
        AtomicInteger opens = new AtomicInteger();
        RealFs fs = new RealFs(true, recordingSleeper, lockedFor(Integer.MAX_VALUE, SHARING, opens), REAL_REPLACE);

        FileSystemException e = assertThrows(FileSystemException.class, () -> fs.openSource(file));

        assertEquals(file.toString(), e.getFile());
        assertEquals(SHARING, e.getReason());
        assertEquals(RealFs.OPEN_ATTEMPTS, opens.get());
        assertEquals(List.of(100L, 200L, 400L, 800L, 1600L), sleeps);
    }

    @Test
    void otherFailuresAreNotRetried() throws IOException {
        Path file = Files.writeString(dir.resolve("secret.txt"), "x");
        AtomicInteger opens = new AtomicInteger();
        AccessDeniedException denied = new AccessDeniedException(file.toString());
        RealFs fs = new RealFs(true, recordingSleeper, f -> {
            opens.incrementAndGet();
            throw denied;
        }, REAL_REPLACE);

        assertSame(denied, assertThrows(AccessDeniedException.class, () -> fs.openSource(file)));
        assertEquals(1, opens.get());
        assertTrue(sleeps.isEmpty());
        assertTrue(logged.list.isEmpty());
    }

    @Test
    void onlyWindowsSharingAndLockViolationsCount() {
        assertTrue(RealFs.isSharingViolation(new FileSystemException("C:\\a", null, SHARING)));
        // Some JDKs drop the final full stop of Windows' message.
        assertTrue(RealFs.isSharingViolation(new FileSystemException("C:\\a", null, SHARING.replace(".", ""))));
        assertTrue(RealFs.isSharingViolation(new FileSystemException("C:\\a", null, LOCKED)));
        assertFalse(RealFs.isSharingViolation(new FileSystemException("/a", null, "Input/output error")));
        assertFalse(RealFs.isSharingViolation(new FileSystemException("/a", null, null)));
        assertFalse(RealFs.isSharingViolation(new AccessDeniedException("C:\\a", null, SHARING)));
    }

    @Test
    void theBackupCopyOfAFileThatWasBrieflyLockedHasItsExactContent() throws Exception {
        byte[] content = "quarterly figures\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
        Path file = Files.write(dir.resolve("figures.xlsx"), content);
        Path temp = dir.resolve("copy.tmp");
        AtomicInteger opens = new AtomicInteger();
        HashingCopier copier = new HashingCopier(new RealFs(true, recordingSleeper, lockedFor(3, SHARING, opens), REAL_REPLACE),
                HashAlgorithm.SHA256);

        FileFacts facts = copier.copy(file, temp);

        assertEquals(List.of(100L, 200L, 400L), sleeps);
        assertEquals(HexFormat.of().formatHex(Files.readAllBytes(temp)), HexFormat.of().formatHex(content));
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        assertEquals("sha256:" + sha256, facts.hash());
        assertEquals(content.length, facts.size());
    }
}
