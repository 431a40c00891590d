package io.keepwatch.schedule;

import io.keepwatch.config.CronSchedule;
import io.keepwatch.config.ScheduleConfig.Job;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Outcome;
import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the service's scheduled jobs on a thread of its own, one at a time (never two at once, never on the engine
 * thread, except what must change the backup: see {@link Jobs#prune}). A job is due when the first slot of its cron
 * expression after its last run has come; it then runs once, however many slots passed (a service that was down for
 * a week runs a daily job once at its start, not seven times), and its start is its new last run, kept in
 * {@link ScheduleMarks}. A job scheduled for the first time counts from then. Each run ends in a
 * {@link EngineEvent.JobFinished} for the history and the notifier; an exception is a FAILED run, never the end of
 * the service.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
    /** How often the thread looks whether a job is due. */
    static final Duration CHECK_EVERY = Duration.ofSeconds(30);

    /** What a job does; run on the scheduler's thread. */
    @FunctionalInterface
    public interface Task {
        Result run() throws Exception;
    }

    /**
     * How a run ended (see {@link EngineEvent.JobFinished}); also what a command run by hand reports of itself to the
     * history and the notifier.
     */
    public record Result(Outcome outcome, String summary, EngineEvent.JobFinished.Figures figures, List<String> problems) {
        public Result {
            problems = List.copyOf(problems);
        }

        /** A result without figures (a job that could not run, or did not). */
        public Result(Outcome outcome, String summary, List<String> problems) {
            this(outcome, summary, EngineEvent.JobFinished.Figures.NONE, problems);
        }
    }

    private final Map<Job, CronSchedule> crons;
    private final Map<Job, Task> tasks;
    private final ScheduleMarks marks;
    private final Clock clock;
    private final EngineListener events;
    private Optional<ScheduledExecutorService> thread = Optional.empty();

    Scheduler(Map<Job, CronSchedule> crons, Map<Job, Task> tasks, ScheduleMarks marks, Clock clock, EngineListener events) {
        this.crons = new EnumMap<>(Job.class);
        this.crons.putAll(crons);
        this.tasks = new EnumMap<>(Job.class);
        this.tasks.putAll(tasks);
        this.marks = marks;
        this.clock = clock;
        this.events = events;
        for (Job j : crons.keySet()) {
            if (!tasks.containsKey(j)) {
                throw new IllegalArgumentException("no task for the scheduled job " + j.key());
            }
        }
    }

    /** A scheduler of {@code crons}, its marks in {@code privateDir}. Nothing runs until {@link #start}. */
    public static Scheduler of(Map<Job, CronSchedule> crons, Map<Job, Task> tasks, Path privateDir, Fs fs, Clock clock,
            EngineListener events) {
        return new Scheduler(crons, tasks, ScheduleMarks.load(privateDir.resolve(ScheduleMarks.FILE_NAME), fs), clock, events);
    }

    /**
     * Starts the thread: every {@link #CHECK_EVERY}, once {@code ready} says the service is ready (its start-up passes
     * done), it runs what is due.
     */
    public void start(BooleanSupplier ready) {
        if (crons.isEmpty()) {
            return;
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "keepwatch-schedules");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            return t;
        });
        s.scheduleWithFixedDelay(() -> {
            if (ready.getAsBoolean()) {
                runDue();
            }
        }, 1, CHECK_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        thread = Optional.of(s);
        crons.forEach((job, cron) -> log.info("SCHEDULE {}: \"{}\", next at {}", job.key(), cron,
                next(job).map(Instant::toString).orElse("never")));
    }

    /** When {@code job} is next due: the first slot after its last run (now, for a job never seen before). */
    Optional<Instant> next(Job job) {
        Instant from = marks.last(job).orElseGet(clock::instant);
        return crons.get(job).next(from, clock.getZone());
    }

    /** Runs, one after another, every job that is due now; returns how many ran. */
    int runDue() {
        int ran = 0;
        for (Job job : crons.keySet()) {
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
            Instant now = clock.instant();
            if (marks.last(job).isEmpty()) {
                remember(job, now); // first seen: count from now
                continue;
            }
            Optional<Instant> due = next(job);
            if (due.isPresent() && !due.get().isAfter(now)) {
                run(job, due.get());
                ran++;
            }
        }
        return ran;
    }

    private void run(Job job, Instant due) {
        Instant started = clock.instant();
        log.info("SCHEDULE {}: starting (due at {})", job.key(), due);
        Result r;
        try {
            r = tasks.get(job).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.info("SCHEDULE {}: stopped with the service; it runs again at the next start", job.key());
            return;
        } catch (Exception | LinkageError e) {
            r = new Result(Outcome.FAILED, "could not run: " + (e.getMessage() == null ? e.toString() : e.getMessage()), List.of());
        }
        if (Thread.currentThread().isInterrupted()) {
            log.info("SCHEDULE {}: stopped with the service; it runs again at the next start", job.key());
            return;
        }
        remember(job, started);
        Instant end = clock.instant();
        String line = "SCHEDULE {}: {} in {} s: {}";
        Object[] args = {job.key(), r.outcome(), Duration.between(started, end).toSeconds(), r.summary()};
        if (r.outcome() == Outcome.OK || r.outcome() == Outcome.SKIPPED) {
            log.info(line, args);
        } else {
            log.warn(line, args);
        }
        events.on(new EngineEvent.JobFinished(end, job.key(), EngineEvent.JobFinished.By.SCHEDULE, started, r.outcome(), r.summary(),
                r.figures(), r.problems()));
    }

    private void remember(Job job, Instant at) {
        try {
            marks.set(job, at);
        } catch (IOException e) {
            log.warn("Cannot record when {} ran ({}); if the service stops before it can, the job may run once more at the "
                    + "next start", job.key(), e.toString());
        }
    }

    /** Stops the thread; a job in progress is interrupted and runs again at the next start. */
    @Override
    public void close() {
        thread.ifPresent(s -> {
            s.shutdownNow();
            try {
                s.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
