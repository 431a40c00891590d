package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineEvent.DeletionArchived;
import io.keepwatch.events.EngineEvent.DuplicateKept;
import io.keepwatch.events.EngineEvent.Failure;
import io.keepwatch.events.EngineEvent.FileBackedUp;
import io.keepwatch.events.EngineEvent.FileUpdated;
import io.keepwatch.events.EngineEvent.PassFinished;
import io.keepwatch.events.EngineEvent.PassStarted;
import io.keepwatch.events.EngineEvent.Pruned;
import io.keepwatch.events.EngineEvent.VersionArchived;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What a listener passed in to the engine hears: one event per action, where its log line is written, and each pass. */
class EngineEventsTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private MutableClock clock;
    private FaultyFs fs;
    private Config config;
    private final RecordingListener heard = new RecordingListener();

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new FaultyFs(new RealFs(false, ms -> { }));
        config = TestFs.config(jimfs.getPath("/etc"), backup, new RetentionConfig(1, Optional.empty(), Optional.empty()),
                new SourceConfig("src", src));
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private PassResult pass() throws Exception {
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE, heard)) {
            return e.runFull(Engine.PassOptions.DEFAULT);
        }
    }

    @Test
    void aSequenceOfNewModifiedDeletedAndUnreadableFilesIsHeardInOrderWithItsCounts() throws Exception {
        write(src.resolve("a.txt"), "one");
        write(src.resolve("b.txt"), "one");
        write(src.resolve("gone.txt"), "bye");
        pass();
        List<EngineEvent> first = heard.events();
        assertEquals(new PassStarted(Instant.parse("2026-03-01T10:00:00Z"), Trigger.ONCE, List.of("src")), first.get(0));
        assertEquals(List.of(new FileBackedUp(clock.instant(), "src", "a.txt", 3), new FileBackedUp(clock.instant(), "src", "gone.txt", 3),
                new DuplicateKept(clock.instant(), "src", "b.txt", "src/a.txt")), first.subList(1, 4));
        assertEquals(new EngineEvent.RetentionDecided(clock.instant(), false, 0, 0, List.of()), first.get(4));
        PassFinished end = assertInstanceOf(PassFinished.class, first.get(5));
        assertEquals(new Counts(2, 0, 1, 0, 0, 0, 0, 6), end.counts());
        assertEquals(Outcome.OK, end.outcome());
        assertEquals(6, first.size());

        heard.clear();
        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("a.txt"), "two!");
        Files.delete(src.resolve("gone.txt"));
        write(src.resolve("new.txt"), "new");
        write(src.resolve("secret.txt"), "s");
        fs.failOpenSource(FaultyFs.when(p -> p.endsWith("secret.txt"), p -> new AccessDeniedException(p.toString())));
        PassResult r = pass();
        Instant t = clock.instant();
        Failure failure = heard.of(Failure.class).get(0);
        assertEquals(new Failure(t, "src", "secret.txt", FailureReason.PERMISSION, failure.message()), failure);
        assertTrue(failure.message().startsWith("src/secret.txt: AccessDeniedException"), failure.message());
        assertEquals(List.of(new VersionArchived(t, "src", "a.txt", 1), new FileUpdated(t, "src", "a.txt", 4)),
                heard.events().stream().filter(e -> e instanceof VersionArchived || e instanceof FileUpdated).toList());
        assertEquals(List.of(new DeletionArchived(t, "src", "gone.txt", "gone.txt")), heard.of(DeletionArchived.class));
        assertEquals(List.of(new FileBackedUp(t, "src", "new.txt", 3)), heard.of(FileBackedUp.class));
        PassFinished second = heard.of(PassFinished.class).get(0);
        assertEquals(new Counts(1, 1, 0, 1, 1, 1, 0, 7), second.counts());
        assertEquals(r.counts(), second.counts());
        assertEquals(Outcome.PARTIAL, second.outcome());
        assertEquals(Optional.empty(), second.error());
        assertInstanceOf(PassStarted.class, heard.events().get(0));
        assertEquals(second, heard.events().get(heard.events().size() - 1));
    }

    @Test
    void retentionIsHeardAsPrunedAndABatchAsABatch() throws Exception {
        write(src.resolve("a.txt"), "v1");
        pass();
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE, heard)) {
            for (String content : List.of("v2", "v3")) {
                clock.advance(Duration.ofMinutes(1));
                write(src.resolve("a.txt"), content);
                heard.clear();
                e.runPaths("src", List.of("a.txt"));
            }
        }
        assertEquals(List.of(new Pruned(clock.instant(), "src", "a.txt", "versions/src/a.txt/v1.bak", "more than 1 versions")),
                heard.of(Pruned.class));
        PassFinished batch = heard.of(PassFinished.class).get(0);
        assertEquals(Trigger.BATCH, batch.trigger());
        assertEquals(new Counts(0, 1, 0, 0, 0, 0, 1, 2), batch.counts());
    }

    @Test
    void aFullPassTellsWhatRetentionDecidedAndABatchDoesNot() throws Exception {
        write(src.resolve("a.txt"), "v1");
        pass();
        assertEquals(List.of(new EngineEvent.RetentionDecided(clock.instant(), false, 0, 0, List.of())),
                heard.of(EngineEvent.RetentionDecided.class));
        heard.clear();
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE, heard)) {
            write(src.resolve("a.txt"), "v2");
            e.runPaths("src", List.of("a.txt"));
        }
        assertEquals(List.of(), heard.of(EngineEvent.RetentionDecided.class));
    }

    @Test
    void aPassThatCannotRunIsHeardAsFailedWithItsReason() throws Exception {
        write(src.resolve("a.txt"), "one");
        fs.failCreate(FaultyFs.when(p -> p.toString().contains("/.keepwatch/journal/"), p -> new IOException("No space left on device")));
        assertThrows(IOException.class, this::pass);
        PassFinished end = heard.of(PassFinished.class).get(0);
        assertEquals(Outcome.FAILED, end.outcome());
        assertTrue(end.error().orElseThrow().contains("No space left on device"), end.toString());
    }

    @Test
    void aListenerThatThrowsIsLoggedOnceAndTheBackupGoesOn() throws Exception {
        write(src.resolve("a.txt"), "one");
        write(src.resolve("b.txt"), "two");
        try (LogCapture log = new LogCapture();
                Engine e = Engine.open(config, fs, clock, Progress.NONE, io.keepwatch.events.Listeners.of(event -> {
                    throw new IllegalStateException("listener broken");
                }, heard))) {
            PassResult r = e.runFull(Engine.PassOptions.DEFAULT);
            assertTrue(r.complete());
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN An event listener")).count(), log.lines().toString());
        }
        assertEquals(Set.of("src/a.txt", "src/b.txt"), Set.copyOf(TestFs.tree(backup).keySet().stream()
                .filter(k -> k.startsWith("src/")).toList()));
        assertEquals(2, heard.of(FileBackedUp.class).size(), "the listener after the broken one hears everything");
    }
}
