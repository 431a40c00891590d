package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.RecordingListener;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The "N failed" of a pass summary is the number of FAILED lines the pass logged, whatever failed: a file
 * that cannot be read, one that keeps changing while it is read, a move in the backup root; and a source file
 * that vanishes during the pass is no failure (and no FAILED line). (A folder the scan cannot read is the
 * same kind of failure; RealFaultsIT makes one as a non-root user, which jimfs cannot.)
 */
class FailedCountTest {
    private static final Pattern SUMMARY_FAILED = Pattern.compile("Run complete: .* (\\d+) failed in ");

    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private FaultyFs fs;
    private Config config;
    private MutableClock clock;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        fs = new FaultyFs(new RealFs(false, ms -> { }));
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    /** One pass; returns it with the FAILED lines it logged and the count its summary line gives. */
    private record Logged(PassResult result, List<String> failedLines, int summaryFailed, List<EngineEvent.Failure> events) {
    }

    private Logged pass() throws Exception {
        RecordingListener listener = new RecordingListener();
        try (LogCapture log = new LogCapture(); Engine e = Engine.open(config, fs, clock, Progress.NONE, listener)) {
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

    private void write(String rel, String content) throws IOException {
        Path p = src.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void everyFailureIsOneFailedLineAndOneInTheCountAndAVanishedFileIsNeither() throws Exception {
        write("a.txt", "alpha");
        write("gone.txt", "here at first");
        pass();

        write("a.txt", "alpha 2");
        write("secret.txt", "unreadable");           // copy: cannot be opened
        write("busy.txt", "x");                       // copy: changes at every read
        write("stuck.txt", "new");                    // move: the backup root refuses the new copy
        write("gone.txt", "changed, then deleted");   // vanishes between the scan and its copy
        write("new.txt", "fine");
        fs.failOpenSource(p -> {
            if (p.endsWith("secret.txt")) {
                throw new AccessDeniedException(p.toString());
            }
            if (p.endsWith("gone.txt")) {
                Files.delete(p);
                throw new NoSuchFileException(p.toString());
            }
        });
        fs.afterOpenSource(() -> {
            try {
                Path busy = src.resolve("busy.txt");
                Files.writeString(busy, Files.readString(busy) + "x");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        fs.failMove(FaultyFs.when(p -> p.equals(backup.resolve("src/stuck.txt")), p -> new IOException("Input/output error")));

        Logged l = pass();
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
        assertTrue(Files.exists(backup.resolve("_deleted/src/gone.txt")));
        assertEquals("alpha 2", Files.readString(backup.resolve("src/a.txt")));
        assertEquals("fine", Files.readString(backup.resolve("src/new.txt")));
        assertFalse(Files.exists(backup.resolve("src/stuck.txt")));

        // Faults gone: nothing fails, and the summary says 0.
        fs.failOpenSource(p -> { });
        fs.afterOpenSource(() -> { });
        fs.failMove(p -> { });
        Logged clean = pass();
        assertEquals(List.of(), clean.failedLines());
        assertEquals(List.of(), clean.events());
        assertEquals(0, clean.summaryFailed());
        assertTrue(clean.result().complete(), clean.result().problems().toString());
        assertEquals("new", Files.readString(backup.resolve("src/stuck.txt")));
    }
}
