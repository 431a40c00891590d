package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.RecordingListener;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The "N failed" of a pass summary is the number of FAILED lines the pass logged, whatever failed: a file
 * that cannot be read, one that keeps changing while it is read, a move in the backup root; and a source file
 * that vanishes during the pass is no failure (and no FAILED line). (A folder the scan cannot read is the
 * same kind of failure; RealFaultsIT makes one as a non-root user, which jimfs cannot.)
 */
class FailedCountTest {
    private static final Pattern SUMMARY_FAILED = Pattern.compile("Run complete: .* (\\d+) failed in ");

    @RegisterExtension
    final EngineFixture kw = new EngineFixture(Instant.parse("2026-01-01T00:00:00Z"));

    /** One pass; returns it with the FAILED lines it logged and the count its summary line gives. */
    private record Logged(PassResult result, List<String> failedLines, int summaryFailed, List<EngineEvent.Failure> events) {
    }

    private Logged logged() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (LogCapture log = new LogCapture(); Engine e = kw.open(listener)) {
            PassResult r = e.runFull(Engine.PassOptions.DEFAULT);
            // Every line that says FAILED, at any level, and each must be an ERROR "FAILED: " line.
            List<String> failed = log.lines().stream().filter(s -> s.contains("FAILED")).toList();
            failed.forEach(s -> assertTrue(s.startsWith("ERROR FAILED: "), s));
            failed = failed.stream().map(s -> s.substring("ERROR ".length())).toList();
            Matcher m = SUMMARY_FAILED.matcher(r.summaryLine());
            assertTrue(m.find(), r.summaryLine());
            return new Logged(r, failed, Integer.parseInt(m.group(1)), listener.of(EngineEvent.Failure.class));
        }
    }

    @Test
    void everyFailureIsOneFailedLineAndOneInTheCountAndAVanishedFileIsNeither() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("gone.txt", "here at first");
        logged();

        kw.write("a.txt", "alpha 2");
        kw.write("secret.txt", "unreadable");           // copy: cannot be opened
        kw.write("busy.txt", "x");                       // copy: changes at every read
        kw.write("stuck.txt", "new");                    // move: the backup root refuses the new copy
        kw.write("gone.txt", "changed, then deleted");   // vanishes between the scan and its copy
        kw.write("new.txt", "fine");
        kw.fs().failOpenSource(p -> {
            if (p.endsWith("secret.txt")) {
                throw new AccessDeniedException(p.toString());
            }
            if (p.endsWith("gone.txt")) {
                Files.delete(p);
                throw new NoSuchFileException(p.toString());
            }
        });
        kw.fs().afterOpenSource(() -> {
            try {
                Path busy = kw.src().resolve("busy.txt");
                Files.writeString(busy, Files.readString(busy) + "x");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        kw.fs().failMove(FaultyFs.when(p -> p.equals(kw.backup().resolve("src/stuck.txt")), p -> new IOException("Input/output error")));

        Logged l = logged();
        assertEquals(3, l.failedLines().size(), l.failedLines().toString());
        assertTrue(l.failedLines().stream().anyMatch(s -> s.startsWith("FAILED: src/secret.txt: AccessDeniedException")),
                l.failedLines().toString());
        assertTrue(l.failedLines().stream().anyMatch(s -> s.startsWith("FAILED: src/busy.txt: ") && s.contains("changed while being read")),
                l.failedLines().toString());
        assertTrue(l.failedLines().stream().anyMatch(s -> s.contains("src/stuck.txt") && s.contains("Input/output error")),
                l.failedLines().toString());
        assertEquals(l.failedLines().size(), l.summaryFailed(), l.result().summaryLine());
        assertEquals(l.failedLines().size(), l.result().counts().failed());
        assertEquals(l.failedLines(), l.result().problems().stream().map(p -> "FAILED: " + p).toList());
        assertEquals(l.failedLines(), l.events().stream().map(f -> "FAILED: " + f.message()).toList(), "one Failure event per line");
        assertFalse(l.result().complete());
        // The vanished file is handled as deleted, not as a failure; the rest was backed up.
        assertTrue(Files.exists(kw.backup().resolve("_deleted/src/gone.txt")));
        assertEquals("alpha 2", Files.readString(kw.backup().resolve("src/a.txt")));
        assertEquals("fine", Files.readString(kw.backup().resolve("src/new.txt")));
        assertFalse(Files.exists(kw.backup().resolve("src/stuck.txt")));

        // Faults gone: nothing fails, and the summary says 0.
        kw.fs().failOpenSource(p -> { });
        kw.fs().afterOpenSource(() -> { });
        kw.fs().failMove(p -> { });
        Logged clean = logged();
        assertEquals(List.of(), clean.failedLines());
        assertEquals(List.of(), clean.events());
        assertEquals(0, clean.summaryFailed());
        assertTrue(clean.result().complete(), clean.result().problems().toString());
        assertEquals("new", Files.readString(kw.backup().resolve("src/stuck.txt")));
    }
}
