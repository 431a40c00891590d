package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.LogCapture;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replacing state.json: Windows refuses (AccessDeniedException, or a sharing violation: a FileSystemException
 * with Windows' "being used by another process" message) while another process such as an indexer or a
 * virus scanner holds the old file open; RealFs retries with backoff. Simulated through the replacer seam.
 */
class RealFsReplaceRetryTest {
    @TempDir
    Path dir;

    private final List<Long> sleeps = new ArrayList<>();

    private static final RealFs.SourceOpener NO_OPEN = f -> {
        throw new AssertionError("nothing is opened here");
    };

    /** Refuses {@code refusals} times the way Windows does, then moves for real. */
    private static RealFs.Replacer refusedFor(int refusals, AtomicInteger calls) {
        return (from, to) -> {
            if (calls.incrementAndGet() <= refusals) {
                throw new AccessDeniedException(from.toString(), to.toString(), null);
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        };
    }

    @Test
    void stateJsonIsReplacedOnceTheOtherProcessLetsGo() throws IOException {
        Path state = Files.writeString(dir.resolve("state.json"), "{\"old\":true}");
        Path temp = Files.writeString(dir.resolve("state.json.tmp"), "{\"new\":true}");
        AtomicInteger calls = new AtomicInteger();
        RealFs fs = new RealFs(false, sleeps::add, NO_OPEN, refusedFor(3, calls));

        fs.replaceAtomically(temp, state);

        assertEquals("{\"new\":true}", Files.readString(state));
        assertFalse(Files.exists(temp));
        assertEquals(4, calls.get());
        assertEquals(List.of(10L, 20L, 40L), sleeps);
    }

    @Test
    void aReplaceRefusedEveryTimeFailsAndLeavesTheOldStateIntact() throws IOException {
        Path state = Files.writeString(dir.resolve("state.json"), "{\"old\":true}");
        Path temp = Files.writeString(dir.resolve("state.json.tmp"), "{\"new\":true}");
        AtomicInteger calls = new AtomicInteger();
        RealFs fs = new RealFs(false, sleeps::add, NO_OPEN, refusedFor(Integer.MAX_VALUE, calls));

        AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> fs.replaceAtomically(temp, state));

        assertEquals(temp.toString(), e.getFile());
        assertEquals(state.toString(), e.getOtherFile());
        assertEquals(RealFs.REPLACE_ATTEMPTS, calls.get());
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L, 320L, 640L), sleeps);
        assertEquals("{\"old\":true}", Files.readString(state));
        assertTrue(Files.exists(temp));
    }

    /** What Java on Windows reports for ERROR_SHARING_VIOLATION (32): WindowsException.translateToIOException. */
    private static final String SHARING = "The process cannot access the file because it is being used by another process.";

    /** Refuses {@code refusals} times with Windows' sharing violation, then moves for real. */
    private static RealFs.Replacer sharingViolationFor(int refusals, AtomicInteger calls) {
        return (from, to) -> {
            if (calls.incrementAndGet() <= refusals) {
                throw new FileSystemException(from.toString(), to.toString(), SHARING);
            }
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        };
    }

    @Test
    void aSharingViolationIsRetriedLikeAnAccessDenied() throws IOException {
        Path state = Files.writeString(dir.resolve("state.json"), "{\"old\":true}");
        Path temp = Files.writeString(dir.resolve("state.json.tmp"), "{\"new\":true}");
        AtomicInteger calls = new AtomicInteger();
        RealFs fs = new RealFs(false, sleeps::add, NO_OPEN, sharingViolationFor(2, calls));

        try (LogCapture log = new LogCapture()) {
            fs.replaceAtomically(temp, state);
            assertEquals(List.of(
                    "WARN Replacing " + state + " was refused (" + temp + " -> " + state + ": " + SHARING + "); retrying in 10 ms",
                    "WARN Replacing " + state + " was refused (" + temp + " -> " + state + ": " + SHARING + "); retrying in 20 ms"),
                    log.lines().stream().filter(l -> l.contains("Replacing")).toList());
        }

        assertEquals("{\"new\":true}", Files.readString(state));
        assertFalse(Files.exists(temp));
        assertEquals(3, calls.get());
        assertEquals(List.of(10L, 20L), sleeps);
    }

    @Test
    void aSharingViolationEveryTimeFailsWithWindowsReasonAndLeavesTheOldStateIntact() throws IOException {
        Path state = Files.writeString(dir.resolve("state.json"), "{\"old\":true}");
        Path temp = Files.writeString(dir.resolve("state.json.tmp"), "{\"new\":true}");
        AtomicInteger calls = new AtomicInteger();
        RealFs fs = new RealFs(false, sleeps::add, NO_OPEN, sharingViolationFor(Integer.MAX_VALUE, calls));

        FileSystemException e = assertThrows(FileSystemException.class, () -> fs.replaceAtomically(temp, state));

        assertEquals(temp.toString(), e.getFile());
        assertEquals(state.toString(), e.getOtherFile());
        assertEquals(SHARING, e.getReason());
        assertEquals(RealFs.REPLACE_ATTEMPTS, calls.get());
        assertEquals(List.of(10L, 20L, 40L, 80L, 160L, 320L, 640L), sleeps);
        assertEquals("{\"old\":true}", Files.readString(state));
        assertTrue(Files.exists(temp));
    }

    @Test
    void otherFailuresAreNotRetried() throws IOException {
        Path state = dir.resolve("state.json");
        AtomicInteger calls = new AtomicInteger();
        RealFs fs = new RealFs(false, sleeps::add, NO_OPEN, (from, to) -> {
            calls.incrementAndGet();
            throw new FileSystemException(from.toString(), to.toString(), "No space left on device");
        });

        FileSystemException e = assertThrows(FileSystemException.class,
                () -> fs.replaceAtomically(dir.resolve("state.json.tmp"), state));

        assertEquals("No space left on device", e.getReason());
        assertEquals(1, calls.get());
        assertTrue(sleeps.isEmpty());
    }

    @Test
    void theProductionReplacerReallyReplaces() throws IOException {
        Path state = Files.writeString(dir.resolve("state.json"), "old");
        Path temp = Files.writeString(dir.resolve("state.json.tmp"), "new");
        new RealFs(true, sleeps::add).replaceAtomically(temp, state);
        assertEquals("new", Files.readString(state));
        assertFalse(Files.exists(temp));
        assertTrue(sleeps.isEmpty());
    }
}
