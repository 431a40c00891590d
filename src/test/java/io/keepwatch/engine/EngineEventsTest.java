package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent.DeletionArchived;
import io.keepwatch.events.EngineEvent.DuplicateKept;
import io.keepwatch.events.EngineEvent.Failure;
import io.keepwatch.events.EngineEvent.FileBackedUp;
import io.keepwatch.events.EngineEvent.FileUpdated;
import io.keepwatch.events.EngineEvent.PassFinished;
import io.keepwatch.events.EngineEvent.PassStarted;
import io.keepwatch.events.EngineEvent.Pruned;
import io.keepwatch.events.EngineEvent.VersionArchived;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.RecordingListener;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a listener passed in to the engine hears: one event per action, where its log line is written, and each pass. */
class EngineEventsTest {
    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    private final RecordingListener heard = new RecordingListener();

    @BeforeEach
    void oneVersion() {
        kw.retention(new RetentionConfig(1, Optional.empty(), Optional.empty()));
    }

    @Test
    void aSequenceOfNewModifiedDeletedAndUnreadableFilesIsHeardInOrderWithItsCounts() throws Exception {
        kw.write("a.txt", "one");
        kw.write("b.txt", "one");
        kw.write("gone.txt", "bye");
        kw.pass(heard);
        List<EngineEvent> first = heard.events();
        assertEquals(new PassStarted(Instant.parse("2026-03-01T10:00:00Z"), Trigger.ONCE, List.of("src")), first.get(0));
        assertEquals(List.of(new FileBackedUp(kw.clock().instant(), "src", "a.txt", 3), new FileBackedUp(kw.clock().instant(), "src", "gone.txt", 3),
                new DuplicateKept(kw.clock().instant(), "src", "b.txt", "src/a.txt")), first.subList(1, 4));
        assertEquals(new EngineEvent.RetentionDecided(kw.clock().instant(), false, 0, 0, List.of()), first.get(4));
        PassFinished end = assertInstanceOf(PassFinished.class, first.get(5));
        assertEquals(new Counts(2, 0, 1, 0, 0, 0, 0, 6), end.counts());
        assertEquals(Outcome.OK, end.outcome());
        assertEquals(6, first.size());

        heard.clear();
        kw.clock().advance(Duration.ofMinutes(1));
        kw.write("a.txt", "two!");
        Files.delete(kw.src().resolve("gone.txt"));
        kw.write("new.txt", "new");
        kw.write("secret.txt", "s");
        kw.fs().failOpenSource(FaultyFs.when(p -> p.endsWith("secret.txt"), p -> new AccessDeniedException(p.toString())));
        PassResult r = kw.pass(heard);
        Instant t = kw.clock().instant();
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
        kw.write("a.txt", "v1");
        kw.pass(heard);
        try (Engine e = Engine.open(kw.config(), kw.fs(), kw.clock(), Progress.NONE, heard)) {
            for (String content : List.of("v2", "v3")) {
                kw.clock().advance(Duration.ofMinutes(1));
                kw.write("a.txt", content);
                heard.clear();
                e.runPaths("src", List.of("a.txt"));
            }
        }
        assertEquals(List.of(new Pruned(kw.clock().instant(), "src", "a.txt", "versions/src/a.txt/v1.bak", "more than 1 versions")),
                heard.of(Pruned.class));
        PassFinished batch = heard.of(PassFinished.class).get(0);
        assertEquals(Trigger.BATCH, batch.trigger());
        assertEquals(new Counts(0, 1, 0, 0, 0, 0, 1, 2), batch.counts());
    }

    @Test
    void aFullPassTellsWhatRetentionDecidedAndABatchDoesNot() throws Exception {
        kw.write("a.txt", "v1");
        kw.pass(heard);
        assertEquals(List.of(new EngineEvent.RetentionDecided(kw.clock().instant(), false, 0, 0, List.of())),
                heard.of(EngineEvent.RetentionDecided.class));
        heard.clear();
        try (Engine e = Engine.open(kw.config(), kw.fs(), kw.clock(), Progress.NONE, heard)) {
            kw.write("a.txt", "v2");
            e.runPaths("src", List.of("a.txt"));
        }
        assertEquals(List.of(), heard.of(EngineEvent.RetentionDecided.class));
    }

    @Test
    void aPassThatCannotRunIsHeardAsFailedWithItsReason() throws Exception {
        kw.write("a.txt", "one");
        kw.fs().failCreate(FaultyFs.when(p -> p.toString().contains("/.keepwatch/journal/"), p -> new IOException("No space left on device")));
        assertThrows(IOException.class, () -> kw.pass(heard));
        PassFinished end = heard.of(PassFinished.class).get(0);
        assertEquals(Outcome.FAILED, end.outcome());
        assertTrue(end.error().orElseThrow().contains("No space left on device"), end.toString());
    }

    @Test
    void aListenerThatThrowsIsLoggedOnceAndTheBackupGoesOn() throws Exception {
        kw.write("a.txt", "one");
        kw.write("b.txt", "two");
        try (LogCapture log = new LogCapture();
                Engine e = Engine.open(kw.config(), kw.fs(), kw.clock(), Progress.NONE, io.keepwatch.events.Listeners.of(event -> {
                    throw new IllegalStateException("listener broken");
                }, heard))) {
            PassResult r = e.runFull(Engine.PassOptions.DEFAULT);
            assertTrue(r.complete());
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("WARN An event listener")).count(), log.lines().toString());
        }
        assertEquals(Set.of("src/a.txt", "src/b.txt"), Set.copyOf(TestFs.tree(kw.backup()).keySet().stream()
                .filter(k -> k.startsWith("src/")).toList()));
        assertEquals(2, heard.of(FileBackedUp.class).size(), "the listener after the broken one hears everything");
    }
}
