package io.keepwatch.notify;

import io.keepwatch.config.NotifyConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.notify.Message.Kind;
import io.keepwatch.notify.Message.Type;
import io.keepwatch.replicate.ReplicationStatus;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what to tell, from engine events and the passing of time; pure (no I/O, time passed in), so it is tested
 * with a pinned clock. The rules:
 * <ul>
 *   <li>a problem (a failed or partial pass of a source; a source UNAVAILABLE for {@code unavailable_minutes}; deletions
 *       held; the repository behind the backup by more than {@code replication_lag_minutes} ({@link ReplicationLag});
 *       retention held or a size limit not met; a job (scheduled, or a command run by hand) that failed or found
 *       damage; no pass that ran through for {@code no_success_hours}; the service stopped unexpectedly) is told once,
 *       when it begins;</li>
 *   <li>while it lasts, repeats are counted and told as one digest when {@code quiet_minutes} have passed since the last
 *       message about it;</li>
 *   <li>its end ("OK again", "back") is told once; a problem that begins again within {@code quiet_minutes} of the last
 *       message about it waits for the digest, so a problem that comes and goes does not flood anyone;</li>
 *   <li>with {@code summary}, a summary of the day (or ISO week, UTC) after it ends, with the repository's lag and how
 *       far back the backup reaches.</li>
 * </ul>
 * Not thread-safe: {@link Notifier} calls it under its lock.
 *
 * <p>Over 400 lines: every problem kind shares {@link #raise}/{@link #recover} and the open problems, so each kind's
 * rule lives here. The next split is the summary (its counts and lines) into a class of its own, as the replication
 * lag's measure is in {@link ReplicationLag}.
 */
final class Alerts {
    /** Failure lines kept per source and pass for the message. */
    static final int FAILURE_LINES = 20;

    record Key(Kind kind, String source) {
    }

    /** A problem being told about. */
    static final class Problem {
        String title;
        List<String> lines;
        Instant lastSent;
        boolean told;
        int repeats;
        Instant firstRepeat;
    }

    private final NotifyConfig config;
    private final Map<Key, Problem> open = new LinkedHashMap<>();
    /** The last message about each problem, kept after it ended, so one that comes back soon is not told again at once. */
    private final Map<Key, Instant> lastSent = new HashMap<>();
    private final Map<String, Instant> unavailableSince = new LinkedHashMap<>();
    private final Map<String, List<String>> passFailures = new HashMap<>();
    /** Sources whose deletions the guard holds, as the passes in progress report them. */
    private final Set<String> heldNow = new java.util.HashSet<>();
    private Optional<Instant> lastSuccess;
    private Instant watchFrom;
    private Counts summaryCounts = Counts.ZERO;
    private int summaryPasses;
    private int summaryProblems;
    private Instant summaryFrom;
    private final ReplicationLag lag;

    /**
     * @param lastSuccess the end of the last pass that ran through, as the history knows it
     * @param now when the watch begins (the "no success" clock starts here when the history knows of none)
     */
    Alerts(NotifyConfig config, Optional<Instant> lastSuccess, Instant now) {
        this.config = config;
        this.lastSuccess = lastSuccess;
        this.watchFrom = lastSuccess.orElse(now);
        this.summaryFrom = now;
        this.lag = new ReplicationLag(now);
    }

    Optional<Instant> lastSuccess() {
        return lastSuccess;
    }

    /** The problems still open (for {@link AlertMemory}; changed only under the notifier's lock). */
    Map<Key, Problem> open() {
        return open;
    }

    /** When the last message about each problem was sent (for {@link AlertMemory}). */
    Map<Key, Instant> lastSent() {
        return lastSent;
    }

    List<Message> on(EngineEvent event) {
        List<Message> out = new ArrayList<>();
        if (event instanceof EngineEvent.PassStarted p) {
            p.sources().forEach(passFailures::remove);
            p.sources().forEach(heldNow::remove);
        } else if (event instanceof EngineEvent.Failure f) {
            List<String> lines = passFailures.computeIfAbsent(f.source(), s -> new ArrayList<>());
            if (lines.size() < FAILURE_LINES) {
                lines.add(f.reason() + ": " + f.message());
            }
        } else if (event instanceof EngineEvent.PassFinished p) {
            finished(p, out);
        } else if (event instanceof EngineEvent.SourceStateChanged c) {
            if (c.to() == SourceState.UNAVAILABLE) {
                unavailableSince.putIfAbsent(c.source(), c.at());
            } else {
                unavailableSince.remove(c.source());
                recover(new Key(Kind.UNAVAILABLE, c.source()), "source " + c.source() + " is back (" + c.to() + ")",
                        List.of("Source " + c.source() + " is " + c.to() + " again; it is watched and backed up."), c.at(), out);
            }
        } else if (event instanceof EngineEvent.DeletionsHeld h) {
            heldNow.add(h.source());
            raise(new Key(Kind.HELD, h.source()), "deletions HELD for source " + h.source(),
                    List.of("The deletion guard holds " + h.count() + " deletion(s) of source " + h.source()
                            + " instead of archiving them: nothing of it was moved to _deleted/. See the log for why; "
                            + "`keepwatch accept-deletions " + h.source() + "` lets the service make them."),
                    h.at(), true, out);
        } else if (event instanceof EngineEvent.RetentionDecided r) {
            retention(r, out);
        } else if (event instanceof EngineEvent.JobFinished j) {
            job(j, out);
        } else if (event instanceof EngineEvent.ServiceStoppedUnexpectedly u) {
            raise(new Key(Kind.STOPPED, ""), "service STOPPED unexpectedly",
                    List.of("The service was last seen running at " + u.lastSeen() + " and did not stop normally (killed, crashed, "
                            + "or the machine lost power). It started again at " + u.at() + "; nothing of the backup is lost: "
                            + "the journal covers what was in progress."), u.at(), false, out);
        }
        return out;
    }

    private void job(EngineEvent.JobFinished j, List<Message> out) {
        if (j.outcome() == Outcome.SKIPPED) {
            return; // it did not run, on purpose: nothing began or ended
        }
        Key key = new Key(Kind.JOB, j.job());
        boolean scheduled = j.by() == EngineEvent.JobFinished.By.SCHEDULE;
        String what = (scheduled ? "scheduled " : "keepwatch ") + j.job();
        String the = scheduled ? "The " + what : "`" + what + "`, run by hand,";
        if (j.outcome() == Outcome.OK) {
            recover(key, what + " OK again", List.of(the + " ran through at " + j.at() + ": " + j.summary()), j.at(), out);
            return;
        }
        boolean damage = j.outcome() == Outcome.PARTIAL && (j.job().equals("verify") || j.job().equals("check"));
        List<String> lines = new ArrayList<>();
        lines.add(the + " started at " + j.started() + ", ended " + j.outcome() + " at " + j.at() + ": " + j.summary());
        if (!j.problems().isEmpty()) {
            lines.add(damage ? "What it found" + (j.problems().size() == EngineEvent.JobFinished.MAX_PROBLEMS ? " (the first "
                    + EngineEvent.JobFinished.MAX_PROBLEMS + ")" : "") + ":" : "Problems:");
            j.problems().forEach(p -> lines.add("  " + p));
        }
        raise(key, damage ? what + " found DAMAGE" : what + " " + j.outcome(), lines, j.at(), true, out);
    }

    private void retention(EngineEvent.RetentionDecided r, List<Message> out) {
        Key key = new Key(Kind.RETENTION, "");
        if (r.held()) {
            raise(key, "retention HELD: a changed policy waits for --accept-retention",
                    List.of("The retention policy changed, and it would remove " + r.versionsRemoved() + " of the " + r.versions()
                            + " old versions at once (more than half). Nothing is removed until you confirm: "
                            + "`keepwatch prune --dry-run` lists what would go, `keepwatch prune --accept-retention` removes it."),
                    r.at(), true, out);
        } else if (!r.warnings().isEmpty()) {
            List<String> lines = new ArrayList<>(List.of("Retention could not meet every limit:"));
            r.warnings().forEach(w -> lines.add("  " + w));
            raise(key, "retention limits NOT met", lines, r.at(), true, out);
        } else {
            recover(key, "retention OK again", List.of("Retention met every limit at " + r.at() + "."), r.at(), out);
        }
    }

    private void finished(EngineEvent.PassFinished p, List<Message> out) {
        Optional<Instant> before = lastSuccess;
        summaryPasses++;
        summaryCounts = summaryCounts.plus(p.counts());
        if (p.outcome() != Outcome.FAILED) {
            lastSuccess = Optional.of(p.at());
            watchFrom = p.at();
            recover(new Key(Kind.NO_SUCCESS, ""), "a backup SUCCEEDED again",
                    List.of("A pass ran through at " + p.at() + "."), p.at(), out);
            for (String source : p.sources()) {
                if (!heldNow.contains(source)) {
                    recover(new Key(Kind.HELD, source), "deletions no longer held for source " + source,
                            List.of("The deletion guard holds no deletions of source " + source + " any more."), p.at(), out);
                }
            }
        }
        Set<String> affected = new LinkedHashSet<>();
        if (p.outcome() != Outcome.OK) {
            summaryProblems++;
            p.sources().stream().filter(passFailures::containsKey).forEach(affected::add);
            affected.addAll(p.unavailable());
            if (affected.isEmpty()) {
                // Held deletions make a pass PARTIAL too; they have a message of their own.
                p.sources().stream().filter(s -> !heldNow.contains(s)).forEach(affected::add);
            }
        }
        for (String source : p.sources()) {
            Key key = new Key(Kind.BACKUP, source);
            if (affected.contains(source)) {
                List<String> lines = new ArrayList<>();
                lines.add(what(p) + " of source " + source + " ended " + p.outcome() + " at " + p.at() + ": " + p.counts().summary() + ".");
                p.error().ifPresent(e -> lines.add("It stopped: " + e));
                if (p.unavailable().contains(source)) {
                    lines.add("Source " + source + " was UNAVAILABLE (missing, unmounted or suddenly empty): nothing of it was "
                            + "treated as deleted.");
                }
                List<String> failures = passFailures.getOrDefault(source, List.of());
                if (!failures.isEmpty()) {
                    lines.add("Not backed up" + (failures.size() == FAILURE_LINES ? " (the first " + FAILURE_LINES + ")" : "") + ":");
                    failures.forEach(f -> lines.add("  " + f));
                }
                lines.add("Last successful backup before this one: " + before.map(t -> t + " (" + ago(t, p.at()) + " ago)")
                        .orElse("none known") + ".");
                raise(key, "backup " + p.outcome() + " for source " + source, lines, p.at(), true, out);
            } else {
                recover(key, "backup OK again for source " + source,
                        List.of(what(p) + " of source " + source + " ran through at " + p.at() + ": " + p.counts().summary() + "."),
                        p.at(), out);
            }
            passFailures.remove(source);
        }
    }

    private static String what(EngineEvent.PassFinished p) {
        return switch (p.trigger()) {
            case ONCE -> "keepwatch once";
            case STARTUP -> "The start-up pass";
            case FULL_PASS -> "A full pass";
            case BATCH -> "A batch of changes";
        };
    }

    List<Message> tick(Instant now) {
        return tick(now, ServiceView.NONE);
    }

    /** What time alone decides, with what the service shows now ({@code view}: the replicator, the oldest kept). */
    List<Message> tick(Instant now, ServiceView view) {
        List<Message> out = new ArrayList<>();
        Optional<ReplicationStatus> replication = view.replication();
        replication.ifPresent(r -> replication(r, now, out));
        for (Map.Entry<String, Instant> u : unavailableSince.entrySet()) {
            if (!now.isBefore(u.getValue().plus(config.unavailable()))) {
                Key key = new Key(Kind.UNAVAILABLE, u.getKey());
                if (!open.containsKey(key)) {
                    raise(key, "source " + u.getKey() + " UNAVAILABLE", List.of("Source " + u.getKey() + " has been UNAVAILABLE since "
                            + u.getValue() + " (its folder missing, unmounted or suddenly empty). Nothing of it is treated as "
                            + "deleted; it is backed up again once it is back."), now, true, out);
                }
            }
        }
        Key none = new Key(Kind.NO_SUCCESS, "");
        if (!open.containsKey(none) && !now.isBefore(watchFrom.plus(config.noSuccess()))) {
            raise(none, "NO successful backup for " + config.noSuccess().toHours() + " hours",
                    List.of("No pass has run through since " + lastSuccess.map(Instant::toString).orElse(watchFrom + " (when watching began)")
                            + ". See the log and `keepwatch history`."), now, true, out);
        }
        for (Map.Entry<Key, Problem> e : new ArrayList<>(open.entrySet())) {
            Problem p = e.getValue();
            if (p.repeats > 0 && !now.isBefore(p.lastSent.plus(config.quiet()))) {
                String title = p.told ? p.title.replaceFirst(" (FAILED|PARTIAL|UNAVAILABLE|HELD|NOT|LAGGING|found)\\b", " still $1")
                        : p.title;
                List<String> lines = new ArrayList<>();
                lines.add((p.told ? p.repeats + " more time(s)" : p.repeats + " time(s)") + " since " + p.firstRepeat + "; the latest:");
                lines.addAll(p.lines);
                out.add(new Message(e.getKey().kind(), source(e.getKey()), p.told ? Type.REPEAT : Type.PROBLEM,
                        title + " (" + p.repeats + (p.told ? " more" : "") + " time(s))", lines, now));
                p.told = true;
                p.repeats = 0;
                sent(e.getKey(), p, now);
            }
        }
        summary(now, replication, view, out);
        return out;
    }

    /**
     * The repository behind the backup by more than {@code replication_lag_minutes} is a problem until it is back
     * within it; its end needs evidence (a push that succeeded, or the replicator seen in sync), not only a restart.
     */
    private void replication(ReplicationStatus r, Instant now, List<Message> out) {
        lag.look(r, now);
        Key key = new Key(Kind.REPLICATION, "");
        Duration limit = config.replicationLag();
        Instant since = lag.behindSince(r);
        if (Duration.between(since, now).compareTo(limit) > 0) {
            if (!open.containsKey(key)) {
                List<String> lines = new ArrayList<>();
                lines.add("The repository " + r.repository() + " holds the backup as it was at " + since + " (" + ago(since, now)
                        + " ago): more than notify.replication_lag_minutes (" + limit.toMinutes() + ") behind.");
                lines.add("The replicator is " + r.state() + (r.lastError() == null ? "." : "; its last error"
                        + (r.failuresInARow() > 0 ? " (" + r.failuresInARow() + " failed attempt(s) in a row)" : "") + ": " + r.lastError()));
                lines.add("Local backups go on. `keepwatch status` shows the replication.");
                raise(key, "replication LAGGING: the repository is more than " + minutes(limit) + " behind", lines, now, true, out);
            }
            return;
        }
        lag.caughtUp(r).ifPresent(evidence -> recover(key, "replication caught up", List.of("The repository " + r.repository()
                + " holds the backup as it was at " + evidence + ": within notify.replication_lag_minutes (" + limit.toMinutes()
                + ") again."), now, out));
    }

    /** A whole number of hours as {@code 6 h}, else minutes. */
    static String minutes(Duration d) {
        return d.toMinutes() % 60 == 0 ? d.toHours() + " h" : d.toMinutes() + " min";
    }

    /** The summary's lines about the repository and how far back the backup reaches. */
    private List<String> reach(Instant now, Optional<ReplicationStatus> replication, ServiceView view) {
        List<String> lines = new ArrayList<>();
        if (replication.isEmpty()) {
            lines.add("Repository: not replicated by this service");
        } else {
            ReplicationStatus r = replication.get();
            Instant since = lag.behindSince(r);
            lines.add("Repository " + r.repository() + ": " + r.state() + ", " + (ReplicationLag.inSync(r)
                    ? "holds the backup as it is" : "behind by " + ago(since, now) + " (it holds the backup as it was at " + since + ")")
                    + (r.lastSnapshot() == null ? "" : "; last snapshot " + r.lastSnapshot()));
        }
        Optional<OldestKept> kept = view.oldestKept();
        if (kept.isEmpty()) {
            lines.add("Oldest version kept: not known now");
        } else {
            lines.add("Oldest version kept: " + kept.get().version().map(i -> i.what() + ", archived " + i.at() + " (" + ago(i.at(), now)
                    + " ago)").orElse("none (no file has an old version)"));
            lines.add("Oldest deleted file kept: " + kept.get().deleted().map(i -> i.what() + ", deleted " + i.at() + " ("
                    + ago(i.at(), now) + " ago)").orElse("none"));
        }
        return lines;
    }

    private void summary(Instant now, Optional<ReplicationStatus> replication, ServiceView view, List<Message> out) {
        if (config.summary() == NotifyConfig.Summary.NONE) {
            return;
        }
        LocalDate from = LocalDate.ofInstant(summaryFrom, ZoneOffset.UTC);
        LocalDate periodStart = config.summary() == NotifyConfig.Summary.DAILY ? from
                : from.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        Instant end = periodStart.plus(1, config.summary() == NotifyConfig.Summary.DAILY ? ChronoUnit.DAYS : ChronoUnit.WEEKS)
                .atStartOfDay(ZoneOffset.UTC).toInstant();
        if (now.isBefore(end)) {
            return;
        }
        String period = config.summary() == NotifyConfig.Summary.DAILY ? "daily" : "weekly";
        List<String> lines = new ArrayList<>(List.of("From " + summaryFrom + " to " + end + ":",
                "  " + summaryPasses + " pass(es) and batches, " + summaryProblems + " of them FAILED or PARTIAL",
                "  " + summaryCounts.summary() + ", " + summaryCounts.pruned() + " pruned, " + summaryCounts.bytes() + " bytes copied",
                "Last successful backup: " + lastSuccess.map(Instant::toString).orElse("none known")));
        lines.addAll(reach(now, replication, view));
        lines.add("Open problems: " + (open.isEmpty() ? "none" : String.join("; ", open.values().stream().map(p -> p.title).toList())));
        out.add(new Message(Kind.SUMMARY, Optional.empty(), Type.INFO, period + " summary: " + summaryPasses + " pass(es), "
                + summaryProblems + " with problems", lines, now));
        summaryFrom = end;
        summaryCounts = Counts.ZERO;
        summaryPasses = 0;
        summaryProblems = 0;
    }

    /**
     * A problem happened: told at once if it is new and nothing was told about it within the quiet period, else
     * counted for the digest. {@code lasting}: it stays open until it recovers; otherwise (an unexpected
     * stop) each occurrence is its own, and only the quiet period holds repeats back.
     */
    private void raise(Key key, String title, List<String> lines, Instant now, boolean lasting, List<Message> out) {
        Problem p = open.get(key);
        if (p == null) {
            p = new Problem();
            Instant last = lastSent.get(key);
            if (last == null || !now.isBefore(last.plus(config.quiet()))) {
                p.title = title;
                p.lines = lines;
                p.told = true;
                out.add(new Message(key.kind(), source(key), Type.PROBLEM, title, lines, now));
                sent(key, p, now);
                if (lasting) {
                    open.put(key, p);
                }
                return;
            }
            p.lastSent = last;
            open.put(key, p);
        }
        if (p.repeats++ == 0) {
            p.firstRepeat = now;
        }
        p.title = title;
        p.lines = lines;
    }

    private void recover(Key key, String title, List<String> lines, Instant now, List<Message> out) {
        Problem p = open.remove(key);
        if (p != null && p.told) {
            out.add(new Message(key.kind(), source(key), Type.RECOVERY, title, lines, now));
            lastSent.put(key, now);
        }
    }

    private void sent(Key key, Problem p, Instant now) {
        p.lastSent = now;
        lastSent.put(key, now);
        if (key.kind() == Kind.STOPPED) {
            open.remove(key); // not lasting: a later occurrence is a new one (held back by the quiet period)
        }
    }

    private static Optional<String> source(Key key) {
        return key.source().isEmpty() || key.kind() == Kind.JOB ? Optional.empty() : Optional.of(key.source());
    }

    static String ago(Instant then, Instant now) {
        Duration d = Duration.between(then, now);
        if (d.toDays() >= 2) {
            return d.toDays() + " days";
        }
        if (d.toHours() >= 1) {
            return d.toHours() + " h";
        }
        return Math.max(0, d.toMinutes()) + " min";
    }
}
