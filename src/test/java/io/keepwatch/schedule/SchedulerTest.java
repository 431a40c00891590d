package io.keepwatch.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.CronSchedule;
import io.keepwatch.config.ScheduleConfig.Job;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.RecordingListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler with a pinned clock in Europe/Berlin: when jobs run, once per missed window, and what they report. */
class SchedulerTest {
    private static final Instant MONDAY = Instant.parse("2026-03-02T10:00:00Z"); // 11:00 in Berlin

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(MONDAY, ZoneId.of("Europe/Berlin"));
    private final RecordingListener heard = new RecordingListener();
    private final List<String> ran = new ArrayList<>();

    private Scheduler scheduler(Map<Job, String> crons, Scheduler.Task verify) {
        Map<Job, CronSchedule> parsed = new java.util.EnumMap<>(Job.class);
        crons.forEach((j, c) -> parsed.put(j, CronSchedule.parse(c)));
        Map<Job, Scheduler.Task> tasks = Map.of(Job.VERIFY, verify, Job.PUSH, () -> {
            ran.add("push at " + clock.instant());
            return new Scheduler.Result(Outcome.OK, "snapshot 1234 saved", List.of());
        });
        return Scheduler.of(parsed, tasks, dir, new RealFs(false, ms -> { }), clock, heard);
    }

    private Scheduler.Task verifyOk() {
        return () -> {
            ran.add("verify at " + clock.instant());
            clock.advance(Duration.ofMinutes(5));
            return new Scheduler.Result(Outcome.OK, "3 file(s) checked", List.of());
        };
    }

    @Test
    void aJobRunsAtEachSlotOnceAndItsOutcomeIsHeard() {
        Scheduler s = scheduler(Map.of(Job.VERIFY, "0 3 * * *"), verifyOk());
        assertEquals(0, s.runDue(), "scheduled for the first time: it counts from now");
        clock.set(Instant.parse("2026-03-03T01:59:30Z")); // 02:59:30 in Berlin
        assertEquals(0, s.runDue());
        clock.set(Instant.parse("2026-03-03T02:00:10Z"));
        assertEquals(1, s.runDue());
        assertEquals(0, s.runDue(), "not again within the same slot");
        assertEquals(List.of("verify at 2026-03-03T02:00:10Z"), ran);
        assertEquals(List.of(new EngineEvent.JobFinished(Instant.parse("2026-03-03T02:05:10Z"), "verify",
                EngineEvent.JobFinished.By.SCHEDULE, Instant.parse("2026-03-03T02:00:10Z"), Outcome.OK, "3 file(s) checked", EngineEvent.JobFinished.Figures.NONE, List.of())), heard.of(EngineEvent.JobFinished.class));
        clock.set(Instant.parse("2026-03-04T02:00:00Z"));
        assertEquals(1, s.runDue(), "the next day");
    }

    @Test
    void aWindowMissedWhileTheServiceWasDownRunsOnceAtItsNextStart() {
        scheduler(Map.of(Job.VERIFY, "0 3 * * *", Job.PUSH, "0 * * * *"), verifyOk()).runDue();
        // The service stops, and starts again a week later: 7 daily and 168 hourly slots have passed.
        clock.advance(Duration.ofDays(7));
        Scheduler again = scheduler(Map.of(Job.VERIFY, "0 3 * * *", Job.PUSH, "0 * * * *"), verifyOk());
        assertEquals(2, again.runDue());
        assertEquals(0, again.runDue());
        assertEquals(List.of("verify at 2026-03-09T10:00:00Z", "push at 2026-03-09T10:05:00Z"), ran,
                "each once, one after the other, in a fixed order");
        clock.set(Instant.parse("2026-03-09T11:00:00Z"));
        assertEquals(1, again.runDue(), "then on its slots again");
        assertEquals("push at 2026-03-09T11:00:00Z", ran.get(2));
    }

    @Test
    void aJobThatThrowsIsAFailedRunWithItsReasonAndIsNotRetriedAtOnce() {
        Scheduler s = scheduler(Map.of(Job.VERIFY, "0 3 * * *"), () -> {
            throw new java.io.IOException("/backup/.keepwatch/state.json: no backup here yet");
        });
        s.runDue();
        clock.set(Instant.parse("2026-03-03T02:00:00Z"));
        try (LogCapture log = new LogCapture()) {
            assertEquals(1, s.runDue());
            assertTrue(log.has("WARN SCHEDULE verify: FAILED in 0 s: could not run: /backup/.keepwatch/state.json: no backup here yet"),
                    log.lines().toString());
        }
        EngineEvent.JobFinished f = heard.of(EngineEvent.JobFinished.class).get(0);
        assertEquals(Outcome.FAILED, f.outcome());
        clock.advance(Duration.ofMinutes(1));
        assertEquals(0, s.runDue(), "it waits for its next slot");
    }

    @Test
    void aJobStoppedWithTheServiceRunsAgainAtTheNextStart() throws Exception {
        scheduler(Map.of(Job.VERIFY, "0 3 * * *"), verifyOk()).runDue();
        clock.set(Instant.parse("2026-03-03T02:00:00Z"));
        Scheduler stopped = scheduler(Map.of(Job.VERIFY, "0 3 * * *"), () -> {
            throw new InterruptedException("the service is stopping");
        });
        assertEquals(1, stopped.runDue());
        assertTrue(Thread.interrupted(), "the interrupt is kept for the thread's owner");
        assertEquals(List.of(), heard.of(EngineEvent.JobFinished.class));
        assertEquals(1, scheduler(Map.of(Job.VERIFY, "0 3 * * *"), verifyOk()).runDue());
    }

    @Test
    void anUnreadableMarksFileIsLoggedAndEveryJobCountsFromNow() throws Exception {
        Files.writeString(dir.resolve(ScheduleMarks.FILE_NAME), "{not json");
        clock.set(Instant.parse("2026-03-03T02:00:00Z"));
        try (LogCapture log = new LogCapture()) {
            Scheduler s = scheduler(Map.of(Job.VERIFY, "0 3 * * *"), verifyOk());
            assertEquals(0, s.runDue());
            assertTrue(log.lines().stream().anyMatch(l -> l.startsWith("WARN Cannot read " + dir.resolve("schedules.json"))),
                    log.lines().toString());
        }
        assertTrue(Files.readString(dir.resolve(ScheduleMarks.FILE_NAME)).contains("\"verify\" : \"2026-03-03T02:00:00Z\""));
    }

    @Test
    void withoutSchedulesNothingStartsAndNothingRuns() {
        Scheduler none = Scheduler.of(Map.of(), Map.of(), dir, new RealFs(false, ms -> { }), clock, heard);
        none.start(() -> true);
        assertEquals(0, none.runDue());
        none.close();
        assertEquals(List.of(), heard.events());
        assertTrue(!Files.exists(dir.resolve(ScheduleMarks.FILE_NAME)));
    }
}
