package io.keepwatch.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run history on a real SQLite file, driven by events with a pinned clock. */
class HistoryRecorderTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T0);
    private final List<String> problems = new ArrayList<>();

    private Path file() {
        return dir.resolve(HistoryStore.FILE_NAME);
    }

    private HistoryRecorder recorder(Duration keep) {
        return HistoryRecorder.open(file(), clock, keep, problems::add);
    }

    private static Counts updated(int n) {
        return new Counts(0, n, 0, 0, 0, 0, 0, 10L * n);
    }

    /** A batch of one source of {@code took} from now, as the engine reports it; the clock moves to its end. */
    private void batch(HistoryRecorder r, String source, Counts counts, Duration took) {
        Instant start = clock.instant();
        r.on(new EngineEvent.PassStarted(start, Trigger.BATCH, List.of(source)));
        clock.advance(took);
        r.on(new EngineEvent.PassFinished(clock.instant(), Trigger.BATCH, List.of(source), start, counts, List.of(),
                counts.failed() > 0 ? Outcome.PARTIAL : Outcome.OK, Optional.empty()));
    }

    private List<PassRow> passes() throws Exception {
        try (HistoryStore h = HistoryStore.openReadOnly(file()).orElseThrow()) {
            return h.passes(Instant.EPOCH, Optional.empty());
        }
    }

    @Test
    void batchesOfASourceWithinAMinuteShareARowAndTheNextMinuteStartsAnother() throws Exception {
        try (HistoryRecorder r = recorder(Duration.ofDays(400))) {
            for (int i = 0; i < 5; i++) {
                batch(r, "docs", updated(1), Duration.ofSeconds(1));
                clock.advance(Duration.ofSeconds(10)); // five batches within 55 s
            }
            batch(r, "photos", updated(2), Duration.ofSeconds(1)); // another source: its own row
            clock.advance(Duration.ofSeconds(10));
            batch(r, "docs", new Counts(0, 0, 0, 0, 0, 1, 0, 0), Duration.ofSeconds(1)); // 67 s after the first: a new row
        }
        List<PassRow> rows = passes();
        assertEquals(3, rows.size(), rows.toString());
        PassRow first = rows.get(0);
        assertEquals(List.of("docs"), first.sources());
        assertEquals(5, first.batches());
        assertEquals(updated(5), first.counts());
        assertEquals(T0, first.started());
        assertEquals(T0.plusSeconds(45), first.ended());
        assertEquals(Outcome.OK, first.outcome());
        assertEquals(List.of("photos"), rows.get(1).sources());
        assertEquals(1, rows.get(2).batches());
        assertEquals(Outcome.PARTIAL, rows.get(2).outcome());
    }

    @Test
    void failuresStateChangesAndHeldDeletionsAreKeptWithTheirPass() throws Exception {
        try (HistoryRecorder r = recorder(Duration.ofDays(400))) {
            r.on(new EngineEvent.SourceStateChanged(T0, "docs", Optional.empty(), SourceState.OK, Optional.empty()));
            r.on(new EngineEvent.PassStarted(T0, Trigger.FULL_PASS, List.of("docs")));
            r.on(new EngineEvent.Failure(T0, "docs", "secret.txt", FailureReason.PERMISSION, "docs/secret.txt: AccessDeniedException"));
            r.on(new EngineEvent.DeletionsHeld(T0, "docs", 120));
            r.on(new EngineEvent.PassFinished(T0.plusSeconds(3), Trigger.FULL_PASS, List.of("docs"), T0,
                    new Counts(0, 0, 0, 0, 7, 1, 0, 0), List.of(), Outcome.PARTIAL, Optional.empty()));
            r.on(new EngineEvent.SourceStateChanged(T0.plusSeconds(5), "docs", Optional.of(SourceState.OK), SourceState.UNAVAILABLE,
                    Optional.of("its folder is missing")));
        }
        try (HistoryStore h = HistoryStore.openReadOnly(file()).orElseThrow()) {
            assertEquals(List.of(new FailureRow(T0, "docs", "secret.txt", FailureReason.PERMISSION, "docs/secret.txt: AccessDeniedException")),
                    h.failures(Instant.EPOCH, Optional.of("docs")));
            assertEquals(List.of(), h.failures(Instant.EPOCH, Optional.of("photos")));
            PassRow p = h.passes(Instant.EPOCH, Optional.of("docs")).get(0);
            assertEquals(120, p.held());
            assertEquals(Trigger.FULL_PASS, p.trigger());
            assertEquals(List.of(new StateRow(T0, "docs", Optional.empty(), SourceState.OK, Optional.empty()),
                    new StateRow(T0.plusSeconds(5), "docs", Optional.of(SourceState.OK), SourceState.UNAVAILABLE,
                            Optional.of("its folder is missing"))), h.stateChanges(Instant.EPOCH, Optional.empty()));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void rowsOlderThanKeepDaysAreDeleted() throws Exception {
        try (HistoryRecorder r = recorder(Duration.ofDays(10))) {
            batch(r, "docs", updated(1), Duration.ofSeconds(1)); // ends T0 + 1 s
            r.on(new EngineEvent.Failure(clock.instant(), "docs", "a", FailureReason.UNREADABLE, "old failure"));
            clock.advance(Duration.ofDays(9));
            batch(r, "docs", updated(2), Duration.ofSeconds(1)); // 9 days later: both kept
            assertEquals(2, passes().size());
            clock.advance(Duration.ofDays(2)); // the first is now 11 days old, the prune is due (hourly)
            batch(r, "docs", updated(3), Duration.ofSeconds(1));
        }
        List<PassRow> rows = passes();
        assertEquals(List.of(updated(2), updated(3)), rows.stream().map(PassRow::counts).toList());
        try (HistoryStore h = HistoryStore.openReadOnly(file()).orElseThrow()) {
            assertEquals(List.of(), h.failures(Instant.EPOCH, Optional.empty()));
        }
    }

    @Test
    void scheduledJobsAreKeptWithWhatTheyFoundAndGoAfterKeepDays() throws Exception {
        EngineEvent.JobFinished verify = new EngineEvent.JobFinished(T0.plusSeconds(300), "verify", EngineEvent.JobFinished.By.SCHEDULE, T0, Outcome.PARTIAL,
                "backup NOT intact: 12 file(s) checked, 1.0 KiB; 0 missing, 1 corrupted, 0 unexpected, 0 error(s)",
                new EngineEvent.JobFinished.Figures(12, 1024, 1), List.of("CORRUPTED docs/b.txt (current copy of docs/b.txt): hash differs"));
        try (HistoryRecorder r = recorder(Duration.ofDays(10))) {
            r.on(verify);
            try (HistoryStore h = HistoryStore.openReadOnly(file()).orElseThrow()) {
                assertEquals(List.of(new JobRow("verify", EngineEvent.JobFinished.By.SCHEDULE, T0, T0.plusSeconds(300), Outcome.PARTIAL, verify.summary(),
                        verify.figures(), verify.problems())),
                        h.jobs(Instant.EPOCH));
            }
            clock.advance(Duration.ofDays(11));
            batch(r, "docs", updated(1), Duration.ofSeconds(1));
        }
        try (HistoryStore h = HistoryStore.openReadOnly(file()).orElseThrow()) {
            assertEquals(List.of(), h.jobs(Instant.EPOCH));
        }
    }

    @Test
    void aHistoryOfTheFirstSchemaIsReadAndThenMigrated() throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file());
                java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE TABLE passes (id INTEGER PRIMARY KEY, trigger TEXT NOT NULL, sources TEXT NOT NULL, started INTEGER "
                    + "NOT NULL, ended INTEGER NOT NULL, outcome TEXT NOT NULL, batches INTEGER NOT NULL, backed_up INTEGER NOT NULL, "
                    + "updated INTEGER NOT NULL, duplicates INTEGER NOT NULL, deleted INTEGER NOT NULL, unchanged INTEGER NOT NULL, "
                    + "failed INTEGER NOT NULL, pruned INTEGER NOT NULL, held INTEGER NOT NULL, bytes INTEGER NOT NULL, "
                    + "unavailable TEXT NOT NULL, error TEXT)");
            s.execute("CREATE TABLE failures (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, source TEXT NOT NULL, path TEXT NOT NULL, "
                    + "reason TEXT NOT NULL, message TEXT NOT NULL)");
            s.execute("CREATE TABLE source_states (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, source TEXT NOT NULL, from_state "
                    + "TEXT, to_state TEXT NOT NULL, reason TEXT)");
            s.execute("PRAGMA user_version = 1");
        }
        try (HistoryStore h = HistoryStore.openReadOnly(file()).orElseThrow()) {
            assertEquals(List.of(), h.jobs(Instant.EPOCH), "an older history has no jobs, and is no error");
        }
        try (HistoryRecorder r = recorder(Duration.ofDays(10))) {
            r.on(new EngineEvent.JobFinished(T0, "push", EngineEvent.JobFinished.By.COMMAND, T0, Outcome.OK, "snapshot 1a2b3c4d saved",
                    new EngineEvent.JobFinished.Figures(2, 10, 0), List.of()));
        }
        try (HistoryStore h = HistoryStore.openReadOnly(file()).orElseThrow()) {
            assertEquals(1, h.jobs(Instant.EPOCH).size());
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void theHistoryCanBeReadWhileItIsWritten() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> writerFailed = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            try (HistoryRecorder r = HistoryRecorder.open(file(), java.time.Clock.systemUTC(), Duration.ofDays(400), problems::add)) {
                for (int i = 0; i < 300; i++) {
                    Instant t = Instant.now();
                    r.on(new EngineEvent.PassFinished(t, Trigger.FULL_PASS, List.of("docs"), t, updated(1), List.of(), Outcome.OK,
                            Optional.empty()));
                }
            } catch (Throwable e) {
                writerFailed.set(e);
            } finally {
                done.set(true);
            }
        });
        writer.start();
        int reads = 0;
        int last = 0;
        while (!done.get() || reads < 3) {
            Optional<HistoryStore> h = HistoryStore.openReadOnly(file());
            if (h.isPresent()) {
                try (HistoryStore store = h.get()) {
                    int n = store.passes(Instant.EPOCH, Optional.empty()).size();
                    assertTrue(n >= last, "rows only ever added: " + n + " after " + last);
                    last = n;
                    reads++;
                }
            }
        }
        writer.join();
        assertEquals(null, writerFailed.get());
        assertEquals(List.of(), problems, "the writer never met a lock");
        assertEquals(300, passes().size());
    }

    @Test
    void aCorruptDatabaseIsMovedAsideWithALogLineAndANewOneIsStarted() throws Exception {
        Files.writeString(file(), "this is not a database, it is a text file that was written over it".repeat(100),
                StandardCharsets.UTF_8);
        try (LogCapture log = new LogCapture(); HistoryRecorder r = recorder(Duration.ofDays(400))) {
            batch(r, "docs", updated(1), Duration.ofSeconds(1));
            assertTrue(log.has("ERROR The run history " + file() + " is corrupt"), log.lines().toString());
            assertTrue(log.has("moved it aside to history.db.corrupt-20260301T100000Z and started a new one. The backup is not affected."),
                    log.lines().toString());
        }
        assertEquals(1, passes().size());
        try (Stream<Path> s = Files.list(dir)) {
            Path aside = dir.resolve("history.db.corrupt-20260301T100000Z");
            assertTrue(s.anyMatch(aside::equals));
            assertTrue(Files.readString(aside, StandardCharsets.UTF_8).startsWith("this is not a database"));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void aDatabaseThatCannotBeOpenedIsReportedAndNothingElseHappens() throws Exception {
        Path notAFolder = dir.resolve("file");
        Files.writeString(notAFolder, "x");
        List<String> seen = new ArrayList<>();
        try (LogCapture log = new LogCapture();
                HistoryRecorder r = HistoryRecorder.open(notAFolder.resolve("history.db"), clock, Duration.ofDays(1), seen::add)) {
            batch(r, "docs", updated(1), Duration.ofSeconds(1));
            clock.advance(Duration.ofSeconds(1));
            batch(r, "docs", updated(1), Duration.ofSeconds(1));
            assertEquals(1, log.lines().stream().filter(l -> l.startsWith("ERROR Cannot write the run history")).count(),
                    log.lines().toString());
        }
        assertEquals(1, seen.size(), "tried once: again only a minute later");
        assertTrue(seen.get(0).endsWith("; the backup goes on without it"), seen.toString());
    }
}
