package io.keepwatch.schedule;

import io.keepwatch.engine.Progress;
import io.keepwatch.events.EngineEvent.JobFinished.Figures;
import io.keepwatch.events.Outcome;
import io.keepwatch.fs.Fs;
import io.keepwatch.repo.Checker;
import io.keepwatch.repo.Pusher;
import io.keepwatch.repo.Repository;
import io.keepwatch.restore.Verifier;
import io.keepwatch.restore.VerifyReport;
import io.keepwatch.retention.Bytes;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateException;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * The scheduled jobs: what {@code keepwatch verify}, {@code check --read-data-subset} and {@code push} do, run
 * beside the working service (they read the backup root and state.json, which the service replaces atomically,
 * and take no lock of the backup root), and {@code prune}, which changes the backup and so runs on the engine
 * thread, between batches. ({@code export} is wired in the command line, beside {@code keepwatch export}.)
 */
public final class Jobs {
    private Jobs() {
    }

    /** Opens the repository the config file names (afresh for each run, so a changed key file is read). */
    @FunctionalInterface
    public interface RepositoryOpener {
        Repository open() throws Exception;
    }

    /** Runs a task on the engine thread, between batches, and waits for its result. */
    @FunctionalInterface
    public interface EngineThread {
        <T> T call(Callable<T> task) throws Exception;
    }

    /**
     * {@code verify}, with one thread (it is in no hurry, and the service goes on). While it reads, the service may
     * move files it expects (an update archives the old copy): when state.json changed during the run and problems
     * were found, it verifies again against the new state.json and reports only what both runs found, so a file the
     * service moved meanwhile is not reported as damage.
     */
    public static Scheduler.Task verify(BackupLayout layout, Fs fs, Clock clock) {
        return () -> {
            Verifier verifier = new Verifier(layout, fs, Progress.NONE, 1);
            String before = stamp(layout.stateFile());
            VerifyReport report = verifier.verify(load(layout, fs, clock), Optional.empty());
            if (!report.intact() && !before.equals(stamp(layout.stateFile()))) {
                VerifyReport again = verifier.verify(load(layout, fs, clock), Optional.empty());
                Set<String> seen = new HashSet<>();
                again.problems().forEach(p -> seen.add(p.kind() + " " + p.path()));
                report = new VerifyReport(report.checked() + again.checked(), report.bytes() + again.bytes(),
                        report.problems().stream().filter(p -> seen.contains(p.kind() + " " + p.path())).toList());
            }
            return verified(report);
        };
    }

    /** What a verify found, as the history and the notifier take it (also {@code keepwatch verify}'s). */
    public static Scheduler.Result verified(VerifyReport report) {
        String counts = report.checked() + " file(s) checked, " + Bytes.format(report.bytes());
        long damage = report.problems().size();
        Figures figures = new Figures(report.checked(), report.bytes(), damage);
        if (report.intact()) {
            return new Scheduler.Result(Outcome.OK, counts + "; every file matches state.json", figures, List.of());
        }
        return new Scheduler.Result(Outcome.PARTIAL, String.format(Locale.ROOT, "backup NOT intact: %s; %d missing, %d corrupted, "
                + "%d unexpected, %d error(s)", counts, report.count(VerifyReport.Kind.MISSING),
                report.count(VerifyReport.Kind.CORRUPTED), report.count(VerifyReport.Kind.UNEXPECTED),
                report.count(VerifyReport.Kind.ERROR)), figures, report.problems().stream().map(VerifyReport.Problem::toString).toList());
    }

    /** {@code check --read-data-subset}: the repository's structure, and {@code fraction} of its packs read. */
    public static Scheduler.Task check(RepositoryOpener repository, double fraction) {
        return () -> {
            Checker.Report r;
            try (Repository repo = repository.open()) {
                r = new Checker(repo).check(fraction);
            }
            return checked(r);
        };
    }

    /** What a check found, as the history and the notifier take it (also {@code keepwatch check}'s). */
    public static Scheduler.Result checked(Checker.Report r) {
        String counts = r.snapshots() + " snapshot(s), " + r.packs() + " pack(s), " + r.packsRead() + " read ("
                + Bytes.format(r.bytesRead()) + ")";
        Figures figures = new Figures(r.packsRead(), r.bytesRead(), r.damage().size());
        if (r.clean()) {
            return new Scheduler.Result(Outcome.OK, "no damage: " + counts, figures, List.of());
        }
        List<String> problems = new ArrayList<>();
        for (Checker.Damage d : r.damage()) {
            problems.add("DAMAGED " + d.object() + ": " + String.join("; ", d.reasons())
                    + (d.affects().isEmpty() ? "" : " (affects " + String.join(", ", d.affects()) + ")"));
        }
        return new Scheduler.Result(Outcome.PARTIAL, r.damage().size() + " damaged object(s): " + counts, figures, problems);
    }

    /** {@code push}: a new snapshot of the backup in the repository, under {@code host}. */
    public static Scheduler.Task push(RepositoryOpener repository, BackupLayout layout, Fs fs, Clock clock, String host,
            Optional<Path> cacheRoot, Map<String, String> sourcePaths) {
        return () -> {
            StateStore store = new StateStore(layout, fs, clock);
            Optional<String> position = store.position();
            Pusher.Result r;
            try (Repository repo = repository.open()) {
                r = new Pusher(repo, layout, clock, host, Progress.NONE, cacheRoot).push(position, () -> load(store, layout), sourcePaths);
            }
            return pushed(r);
        };
    }

    /** What a push did, as the history and the notifier take it (also {@code keepwatch push}'s). */
    public static Scheduler.Result pushed(Pusher.Result r) {
        String read = r.contentsRead() + " content(s) read (" + Bytes.format(r.bytesRead()) + "), "
                + Bytes.format(r.bytesAdded()) + " added to the repository";
        String summary = r.snapshot().map(s -> "snapshot " + s.shortId() + " saved: " + read)
                .orElseGet(() -> "nothing changed since snapshot " + r.unchangedFrom().map(s -> s.shortId()).orElse("?")
                        + ": " + read);
        Figures figures = new Figures(r.contentsRead(), r.bytesAdded(), 0);
        return r.problems().isEmpty() ? new Scheduler.Result(Outcome.OK, summary, figures, List.of())
                : new Scheduler.Result(Outcome.PARTIAL, summary + "; " + r.problems().size() + " content(s) left out", figures,
                        r.problems());
    }

    /** {@code prune}: {@code task} applies the retention policy; it runs on the engine thread. */
    public static Scheduler.Task prune(EngineThread engine, Callable<Scheduler.Result> task) {
        return () -> engine.call(task);
    }

    /** The backup's state as state.json holds it now (the service replaces it atomically). */
    public static BackupState load(BackupLayout layout, Fs fs, Clock clock) throws StateException {
        return load(new StateStore(layout, fs, clock), layout);
    }

    private static BackupState load(StateStore store, BackupLayout layout) throws StateException {
        return store.load()
                .orElseThrow(() -> new StateException(layout.stateFile(), "no backup here yet (state.json does not exist)", null));
    }

    /** What identifies one version of state.json (it is replaced, never rewritten in place). */
    public static String stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime() + "/" + a.size() + "/" + a.fileKey();
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
