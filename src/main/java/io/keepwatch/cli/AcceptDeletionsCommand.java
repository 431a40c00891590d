package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.daemon.StatusFile;
import io.keepwatch.fs.RealFs;
import io.keepwatch.guard.AcceptRequests;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code keepwatch accept-deletions SOURCE}: asks the running service to make the deletions its deletion guard
 * holds in SOURCE (and forget the mount points of SOURCE that are gone), through a request file it picks up at
 * its next poll ({@link AcceptRequests}), then waits until the service has run that pass and says what is held
 * now. Without a running service it changes nothing and names {@code once --accept-deletions} (exit 4).
 */
@Command(name = "accept-deletions", mixinStandardHelpOptions = true,
        description = "Let the running service move to _deleted/ what its deletion guard holds in SOURCE (exit 4 if it is not running).")
final class AcceptDeletionsCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Parameters(paramLabel = "SOURCE", description = "the source whose held deletions to release")
    String source;

    @Option(names = "--wait", paramLabel = "SECONDS", description = "how long to wait for the service to make them (default: ${DEFAULT-VALUE})")
    int waitSeconds = 120;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Config cfg = config.load();
        if (cfg.sources().stream().noneMatch(s -> s.name().equals(source))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no source named '" + source + "' in " + cfg.configFile());
        }
        PrintWriter out = spec.commandLine().getOut();
        BackupLayout layout = new BackupLayout(cfg.backupRoot());
        Optional<ServiceStatus> running = running(layout);
        if (running.isEmpty()) {
            out.println("keepwatch is not running on " + cfg.backupRoot() + "; nothing was changed. Without the service, run "
                    + "`keepwatch once --accept-deletions " + source + "`.");
            out.flush();
            return ExitCodes.STATUS_NOT_RUNNING;
        }
        AcceptRequests requests = new AcceptRequests(layout, RealFs.forFileSystem(cfg.backupRoot().getFileSystem()));
        Instant asked = Instant.now();
        requests.request(source, asked);
        out.println("Asked keepwatch (PID " + running.get().pid() + ") to accept the deletions of " + source + "; waiting for its pass");
        out.flush();
        Instant deadline = asked.plus(Duration.ofSeconds(waitSeconds));
        Optional<ServiceStatus.Source> after = Optional.empty();
        Optional<Instant> taken = Optional.empty();
        while (Instant.now().isBefore(deadline) && after.isEmpty()) {
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
            if (taken.isEmpty() && !requests.pending(source)) {
                taken = Optional.of(Instant.now());
            }
            if (taken.isPresent()) {
                after = passDone(layout, taken.get());
            }
        }
        if (after.isEmpty()) {
            out.println(requests.pending(source)
                    ? "The service has not taken the request yet (busy?); it takes it at its next poll, within an hour (later it is dropped)."
                    : "The service took the request and is still at the pass; `keepwatch status` shows what is held afterwards.");
        } else {
            ServiceStatus.Source s = after.get();
            out.println("Done: " + (s.heldDeletions() == 0 ? "no deletions are held in " + source + " now"
                    : s.heldDeletions() + " deletion(s) are held in " + source + " again") + (s.unavailableFolders().isEmpty() ? ""
                    : "; unavailable folders: " + String.join(", ", s.unavailableFolders().keySet())) + ".");
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static Optional<ServiceStatus> running(BackupLayout layout) throws IOException {
        try {
            ServiceStatus s = StatusFile.read(layout.statusFile());
            return StatusCommand.notRunning(s, Instant.now()).isEmpty() ? Optional.of(s) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * The source as a status written after the request was seen taken (by the pass, as it began) says it, once
     * the service is no longer at a pass of it.
     */
    private Optional<ServiceStatus.Source> passDone(BackupLayout layout, Instant taken) throws IOException {
        ServiceStatus s = StatusFile.read(layout.statusFile());
        if (!s.updatedAt().isAfter(taken) || s.activity().contains(source)) {
            return Optional.empty();
        }
        return s.sources().stream().filter(x -> x.name().equals(source)).findFirst();
    }
}
