package io.keepwatch.cli;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.repo.Pruner;
import io.keepwatch.repo.Repository;
import io.keepwatch.schedule.Scheduler;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/**
 * {@code keepwatch prune --repo}: what no snapshot of the repository uses is removed ({@link Pruner}); with
 * {@code --keep-last N}, each host's snapshots older than its newest N first. Exclusive lock: refused while a push runs.
 */
final class RepoPrune {
    private RepoPrune() {
    }

    static HandRun.Done run(PruneCommand c) throws Exception {
        if (c.keepLast != null && c.keepLast < 1) {
            throw new CommandLine.ParameterException(c.spec.commandLine(), "--keep-last must be at least 1, not " + c.keepLast);
        }
        if (c.source != null || c.path != null || c.json || c.acceptRetention) {
            throw new CommandLine.ParameterException(c.spec.commandLine(),
                    "--source, --path, --json and --accept-retention are for the backup root, not --repo");
        }
        boolean dryRun = c.dryRun;
        Pruner.Report r;
        try (Repository repository = c.repo.resolve(c.config).open()) {
            r = new Pruner(repository, Clock.systemUTC(), RepoOptions.hostName()).prune(Optional.ofNullable(c.keepLast), dryRun);
        }
        PrintWriter out = c.spec.commandLine().getOut();
        out.println((dryRun ? "Would remove " : "Removed ") + r.snapshotsRemoved().size() + " snapshot(s)"
                + (r.snapshotsRemoved().isEmpty() ? "" : " " + r.snapshotsRemoved())
                + ", " + (dryRun ? "delete " : "deleted ") + r.packsDeleted() + " pack(s), " + (dryRun ? "repack " : "repacked ")
                + r.packsRepacked() + ": packs " + BackupReader.bytes(r.bytesBefore()) + " -> " + BackupReader.bytes(r.bytesAfter())
                + (dryRun ? " (estimated)" : "") + (r.locksRemoved() > 0 ? "; " + r.locksRemoved() + " stale lock(s) removed" : "")
                + (r.retained().isEmpty() ? "" : "; " + r.retained().size() + " object(s) kept: under Object Lock until "
                        + r.retained().values().stream().max(java.util.Comparator.naturalOrder()).orElseThrow() + " at the latest"));
        out.flush();
        if (dryRun) {
            return HandRun.Done.unrecorded(ExitCodes.OK);
        }
        long freed = Math.max(0, r.bytesBefore() - r.bytesAfter());
        return HandRun.Done.of(ExitCodes.OK, new Scheduler.Result(Outcome.OK, r.snapshotsRemoved().size() + " snapshot(s) removed, "
                + r.packsDeleted() + " pack(s) deleted, " + r.packsRepacked() + " repacked: packs " + BackupReader.bytes(r.bytesBefore())
                + " -> " + BackupReader.bytes(r.bytesAfter()), new EngineEvent.JobFinished.Figures(r.packsDeleted() + r.packsRepacked(),
                freed, 0), List.of()));
    }
}
