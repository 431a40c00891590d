package io.keepwatch.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.NotifyConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What {@link Alerts} decides to tell, from events and a pinned time: held deletions, retention, an unexpected stop. */
class AlertsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private final NotifyConfig config = new NotifyConfig(Optional.empty(), Optional.empty(), Duration.ofMinutes(60),
            Duration.ofHours(24), NotifyConfig.Summary.NONE);
    private final Alerts alerts = new Alerts(config, Optional.of(T0), T0);
    private Instant now = T0;

    /** A pass of {@code source} as the engine reports it, with deletions held if {@code held} > 0; the titles told. */
    private List<String> pass(String source, int held, Outcome outcome) {
        List<Message> out = new ArrayList<>(alerts.on(new EngineEvent.PassStarted(now, Trigger.BATCH, List.of(source))));
        now = now.plusSeconds(60);
        if (held > 0) {
            out.addAll(alerts.on(new EngineEvent.DeletionsHeld(now, source, held)));
        }
        out.addAll(alerts.on(new EngineEvent.PassFinished(now, Trigger.BATCH, List.of(source), now.minusSeconds(1),
                Counts.ZERO, List.of(), outcome, Optional.empty())));
        return out.stream().map(Message::title).toList();
    }

    private List<String> titles(List<Message> messages) {
        return messages.stream().map(Message::title).toList();
    }

    @Test
    void heldDeletionsAreToldOnceWhileTheyLastNotAsAPartialBackupAndTheirEndOnce() {
        assertEquals(List.of("deletions HELD for source docs"), pass("docs", 1500, Outcome.PARTIAL));
        for (int i = 0; i < 50; i++) {
            assertEquals(List.of(), pass("docs", 1500, Outcome.PARTIAL), "no storm while they stay held");
        }
        assertEquals(List.of("backup FAILED for source docs"), pass("docs", 0, Outcome.FAILED),
                "a failed pass says nothing about the guard");
        assertEquals(List.of("deletions no longer held for source docs", "backup OK again for source docs"),
                pass("docs", 0, Outcome.OK));
        assertEquals(List.of(), pass("docs", 0, Outcome.OK));
    }

    @Test
    void retentionHeldOrALimitNotMetIsAProblemUntilAFullPassMeetsEveryLimit() {
        List<String> held = titles(alerts.on(new EngineEvent.RetentionDecided(now, true, 30, 40, List.of())));
        assertEquals(List.of("retention HELD: a changed policy waits for --accept-retention"), held);
        assertEquals(List.of(), alerts.on(new EngineEvent.RetentionDecided(now.plusSeconds(600), true, 30, 40, List.of())));
        List<Message> back = alerts.on(new EngineEvent.RetentionDecided(now.plusSeconds(900), false, 0, 0, List.of()));
        assertEquals(List.of("retention OK again"), titles(back));
        assertEquals(Message.Type.RECOVERY, back.get(0).type());

        now = now.plus(Duration.ofHours(2));
        List<Message> cap = alerts.on(new EngineEvent.RetentionDecided(now, false, 0, 0,
                List.of("The old versions take 2.0 KiB, more than the 1 B of versions_max_bytes")));
        assertEquals(List.of("retention limits NOT met"), titles(cap));
        assertTrue(cap.get(0).lines().contains("  The old versions take 2.0 KiB, more than the 1 B of versions_max_bytes"),
                cap.get(0).lines().toString());
        alerts.on(new EngineEvent.RetentionDecided(now.plusSeconds(60), false, 0, 0, List.of("still too big")));
        List<Message> digest = alerts.tick(now.plus(Duration.ofMinutes(61)));
        assertEquals(List.of("retention limits still NOT met (1 more time(s))"), titles(digest));
    }

    @Test
    void anUnexpectedStopIsToldAndAnotherWithinTheQuietPeriodWaitsForTheDigest() {
        List<Message> first = alerts.on(new EngineEvent.ServiceStoppedUnexpectedly(now, now.minusSeconds(300)));
        assertEquals(List.of("service STOPPED unexpectedly"), titles(first));
        assertTrue(first.get(0).lines().get(0).startsWith("The service was last seen running at 2026-03-01T09:55:00Z"),
                first.get(0).lines().toString());
        assertEquals(List.of(), alerts.on(new EngineEvent.ServiceStoppedUnexpectedly(now.plusSeconds(60), now)));
    }

    @Test
    void aScheduledJobThatFindsDamageIsToldOnceWithWhatItFoundAndItsRecoveryOnce() {
        EngineEvent.JobFinished damaged = new EngineEvent.JobFinished(now.plusSeconds(300), "verify", EngineEvent.JobFinished.By.SCHEDULE, now, Outcome.PARTIAL,
                "backup NOT intact: 3 file(s) checked, 12 B; 0 missing, 1 corrupted, 0 unexpected, 0 error(s)",
                new EngineEvent.JobFinished.Figures(3, 12, 1), List.of("CORRUPTED src/b.txt (current copy of src/b.txt): hash differs"));
        List<Message> told = alerts.on(damaged);
        assertEquals(List.of("scheduled verify found DAMAGE"), titles(told));
        assertEquals(Optional.empty(), told.get(0).source());
        assertEquals(Message.Kind.JOB, told.get(0).kind());
        assertTrue(told.get(0).lines().contains("  CORRUPTED src/b.txt (current copy of src/b.txt): hash differs"), told.toString());
        assertEquals(List.of(), alerts.on(damaged), "no storm");
        assertEquals(List.of("scheduled verify still found DAMAGE (1 more time(s))"),
                titles(alerts.tick(now.plus(Duration.ofMinutes(70)))));
        List<String> push = titles(alerts.on(new EngineEvent.JobFinished(now, "push", EngineEvent.JobFinished.By.SCHEDULE, now, Outcome.FAILED,
                "could not run: no key file", EngineEvent.JobFinished.Figures.NONE, List.of())));
        assertEquals(List.of("scheduled push FAILED"), push, "another job is another problem");
        assertEquals(List.of("scheduled verify OK again"), titles(alerts.on(new EngineEvent.JobFinished(now.plus(Duration.ofDays(7)),
                "verify", EngineEvent.JobFinished.By.SCHEDULE, now.plus(Duration.ofDays(7)), Outcome.OK, "3 file(s) checked, 12 B; every file matches state.json",
                EngineEvent.JobFinished.Figures.NONE, List.of()))));
    }

    @Test
    void aCommandRunByHandIsToldAsItsJobAndSharesItsProblemWithTheScheduledOne() {
        Instant t = now.plusSeconds(60);
        List<Message> told = alerts.on(new EngineEvent.JobFinished(t, "push", EngineEvent.JobFinished.By.COMMAND, now, Outcome.FAILED,
                "could not run: the repository is locked by another keepwatch (pid 42)", EngineEvent.JobFinished.Figures.NONE, List.of()));
        assertEquals(List.of("keepwatch push FAILED"), titles(told));
        assertTrue(told.get(0).lines().get(0).startsWith("`keepwatch push`, run by hand, started at " + now + ", ended FAILED at " + t
                + ": could not run: the repository is locked"), told.get(0).lines().toString());
        assertEquals(List.of(), alerts.on(new EngineEvent.JobFinished(t, "push", EngineEvent.JobFinished.By.SCHEDULE, t, Outcome.SKIPPED,
                "the replicator is pushing", EngineEvent.JobFinished.Figures.NONE, List.of())), "a skipped push neither begins nor ends a problem");
        assertEquals(List.of("scheduled push OK again"), titles(alerts.on(new EngineEvent.JobFinished(t.plusSeconds(3600), "push",
                EngineEvent.JobFinished.By.SCHEDULE, t, Outcome.OK, "snapshot 1a2b3c4d saved", new EngineEvent.JobFinished.Figures(3, 300, 0), List.of()))),
                "the schedule's push ends the problem a push by hand began");
        assertEquals(List.of("keepwatch restore PARTIAL"), titles(alerts.on(new EngineEvent.JobFinished(t, "restore", EngineEvent.JobFinished.By.COMMAND, t,
                Outcome.PARTIAL, "1 of 2 file(s), 5 B, into /tmp/r (latest state)", new EngineEvent.JobFinished.Figures(1, 5, 0),
                List.of("NOT WRITTEN b.txt: disk full")))));
    }

    @Test
    void whatIsOpenIsRememberedForTheNextRunAndAnUnreadableMemoryStartsAfresh(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = dir.resolve(AlertMemory.FILE_NAME);
        assertEquals(List.of("backup PARTIAL for source docs"), pass("docs", 0, Outcome.PARTIAL));
        AlertMemory.save(file, alerts);

        Alerts next = new Alerts(config, Optional.of(T0), now);
        AlertMemory.restore(file, next);
        now = now.plusSeconds(600);
        next.on(new EngineEvent.PassStarted(now, Trigger.ONCE, List.of("docs")));
        assertEquals(List.of(), next.on(new EngineEvent.PassFinished(now, Trigger.ONCE, List.of("docs"), now, Counts.ZERO, List.of(),
                Outcome.PARTIAL, Optional.empty())), "told by the run before");
        assertEquals(List.of("backup still PARTIAL for source docs (1 more time(s))"),
                titles(next.tick(now.plus(Duration.ofMinutes(60)))));
        assertEquals(List.of("backup OK again for source docs"), titles(next.on(new EngineEvent.PassFinished(now.plus(
                Duration.ofHours(2)), Trigger.ONCE, List.of("docs"), now, Counts.ZERO, List.of(), Outcome.OK, Optional.empty()))));

        java.nio.file.Files.writeString(file, "{\"open\": [{\"kind\": \"BACKUP\", \"source\": \"docs\", \"title\": \"x\", "
                + "\"last_sent\": \"yesterday\"}]}");
        Alerts fresh = new Alerts(config, Optional.of(T0), now);
        try (io.keepwatch.testing.LogCapture log = new io.keepwatch.testing.LogCapture()) {
            AlertMemory.restore(file, fresh);
            assertTrue(log.lines().stream().anyMatch(l -> l.startsWith("WARN Cannot read " + file)), log.lines().toString());
        }
        assertTrue(fresh.open().isEmpty());
    }
}
