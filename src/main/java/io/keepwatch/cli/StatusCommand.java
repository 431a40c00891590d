package io.keepwatch.cli;

import io.keepwatch.config.ConfigException;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.events.SourceState;
import io.keepwatch.daemon.StatusFile;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.fs.NameText;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code keepwatch status}: prints {@code .keepwatch/status.json} for a person (or as it is with
 * {@code --json}). Exits 0 when the service runs and every source is watched or polled, 3 when a source is
 * UNAVAILABLE, 4 when the service is not running: no status file, a clean stop, its process gone, or the
 * file not rewritten for {@link StatusFile#STALE_AFTER}. It also says whether the service runs with the config
 * file as it is on disk; a config file that is broken while the service runs is said, not exit 78 (the service
 * runs with what it loaded at its start).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show what the running service is doing; exit 3 if a source is unavailable, 4 if the service is not running.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "print the status file as it is (JSON)")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path configFile = config.path().toAbsolutePath().normalize();
        ConfigLoader loader = new ConfigLoader();
        Path backupRoot;
        Optional<ConfigException> broken = Optional.empty();
        try {
            backupRoot = loader.load(configFile).backupRoot();
        } catch (ConfigException e) {
            // Maybe only the file on disk is broken, and the service runs with what it loaded at its start: find it
            // through the backup root the file names, if it can be told.
            backupRoot = loader.backupRootHint(configFile).orElseThrow(() -> e);
            broken = Optional.of(e);
        }
        Path file = new BackupLayout(backupRoot).statusFile();
        ServiceStatus s;
        try {
            s = StatusFile.read(file);
        } catch (NoSuchFileException e) {
            if (broken.isPresent()) {
                throw broken.get();
            }
            out.println("keepwatch is not running: no status file at " + file + " (has `keepwatch run` ever run here?)");
            out.flush();
            return ExitCodes.STATUS_NOT_RUNNING;
        }
        Instant now = Instant.now();
        Optional<String> notRunning = notRunning(s, now);
        if (notRunning.isPresent() && broken.isPresent()) {
            throw broken.get(); // nothing runs with an older config: the broken file is what stops keepwatch
        }
        ConfigCheck check = ConfigCheck.of(s, configFile, broken);
        Optional<ReplicationStatus> replication = ReplicationStatus.find(new BackupLayout(backupRoot));
        if (json) {
            String text = Files.readString(file).strip();
            if (replication.isPresent()) {
                // the replicator's file, as it is, under "replication"
                com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
                com.fasterxml.jackson.databind.node.ObjectNode root = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(text);
                root.set("replication", m.readTree(Files.readAllBytes(ReplicationStatus.file(new BackupLayout(backupRoot)))));
                text = m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
            }
            out.println(text);
            if (!check.same()) {
                spec.commandLine().getErr().println("keepwatch: " + check.line());
                spec.commandLine().getErr().flush();
            }
        } else {
            print(out, s, now, notRunning, check.line());
            replication.ifPresent(r -> printReplication(out, r, now));
        }
        out.flush();
        if (notRunning.isPresent()) {
            return ExitCodes.STATUS_NOT_RUNNING;
        }
        return s.sources().stream().anyMatch(x -> x.state() == SourceState.UNAVAILABLE || !x.unavailableFolders().isEmpty())
                ? ExitCodes.STATUS_UNAVAILABLE : ExitCodes.OK;
    }

    /**
     * How the config file on disk compares with the one the service runs with (the file it loaded at its start,
     * and the SHA-256 of the bytes it read then, both in the status file).
     *
     * @param same whether the service runs with this very file as it is now
     * @param line what to tell the user
     */
    record ConfigCheck(boolean same, String line) {
        static ConfigCheck of(ServiceStatus s, Path configFile, Optional<ConfigException> broken) {
            String brokenNote = broken.map(e -> "; the file on disk is BROKEN, so a restart would fail: " + e.getMessage())
                    .orElse("");
            if (s.config().isEmpty()) {
                return new ConfigCheck(false, "the service does not say which config it runs with (started by an older "
                        + "keepwatch)" + brokenNote);
            }
            ServiceStatus.ConfigInUse inUse = s.config().get();
            if (!inUse.file().equals(configFile.toString())) {
                return new ConfigCheck(false, "the service runs with " + inUse.file() + ", not " + configFile + brokenNote);
            }
            if (broken.isPresent()) {
                return new ConfigCheck(false, configFile + " is BROKEN now, so a restart would fail; the service still runs "
                        + "with the config it loaded at its start. " + broken.get().getMessage());
            }
            if (inUse.sha256().isEmpty()) {
                return new ConfigCheck(false, configFile + " (the service did not record what it loaded, so a change "
                        + "cannot be told)");
            }
            String now;
            try {
                now = ConfigLoader.digestOf(configFile);
            } catch (IOException e) {
                return new ConfigCheck(false, configFile + " cannot be read now (" + e + "); the service runs with the "
                        + "config it loaded at its start");
            }
            return now.equals(inUse.sha256().get())
                    ? new ConfigCheck(true, configFile + " (as the service loaded it)")
                    : new ConfigCheck(false, configFile + " has CHANGED since the service loaded it; the service runs "
                            + "with the old config until it is restarted");
        }
    }

    /** Why the service of a status file is not running, if it is not. */
    static Optional<String> notRunning(ServiceStatus s, Instant now) {
        if (!s.running()) {
            return Optional.of("stopped at " + shown(s.updatedAt()));
        }
        if (ProcessHandle.of(s.pid()).filter(ProcessHandle::isAlive).isEmpty()) {
            return Optional.of("its process " + s.pid() + " is gone (killed or crashed; last status " + shown(s.updatedAt()) + ")");
        }
        Duration age = Duration.between(s.updatedAt(), now);
        if (age.compareTo(StatusFile.STALE_AFTER) > 0) {
            return Optional.of("its status was last written " + age.toSeconds() + " s ago (stale after "
                    + StatusFile.STALE_AFTER.toSeconds() + " s: hung?)");
        }
        return Optional.empty();
    }

    private static void printReplication(PrintWriter out, ReplicationStatus r, Instant now) {
        String lag = r.lag(now).map(d -> "in sync as of " + shown(r.inSyncAt()) + " (lag " + d.toSeconds() + " s)")
                .orElse("no push yet");
        String since = r.remoteUnavailable() && r.unavailableSince() != null ? " since " + shown(r.unavailableSince()) + " ("
                + Duration.between(r.unavailableSince(), now).toSeconds() + " s; retried, local backups go on)" : "";
        out.println(NameText.escape("Repository:   " + r.repository() + ": " + r.state().toUpperCase(java.util.Locale.ROOT) + since + ", "
                + lag + (r.lastSnapshot() == null ? "" : "; last snapshot " + r.lastSnapshot())));
        out.println("  Pending:    " + r.pendingChanges() + " change(s), " + BackupReader.bytes(r.pendingBytes()) + " of new content"
                + (r.nextTryAt() == null ? "" : "; next push not before " + shown(r.nextTryAt())));
        if (r.lastError() != null) {
            out.println(NameText.escape("  " + (r.failuresInARow() > 0 ? "ERROR:      " : "Last error: ")
                    + (r.lastErrorAt() == null ? "" : shown(r.lastErrorAt()) + " ") + r.lastError()
                    + (r.failuresInARow() > 0 ? " (" + r.failuresInARow() + " failed attempt(s) in a row)" : "")));
        }
    }

    /** An instant for a person: UTC to the millisecond (the status file keeps nanoseconds). */
    static String shown(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static void print(PrintWriter out, ServiceStatus s, Instant now, Optional<String> notRunning, String config) {
        out.println(notRunning.map(r -> "keepwatch is NOT RUNNING: " + r)
                .orElse("keepwatch is running (PID " + s.pid() + ") since " + shown(s.startedAt()) + ": " + s.activity()));
        out.println("Config:       " + NameText.escape(config));
        for (ServiceStatus.Source src : s.sources()) {
            String detail = switch (src.state()) {
                case OK -> src.foldersWatched() + " folders watched";
                case POLLING -> src.foldersWatched() + " folders watched; full passes instead of events";
                case UNAVAILABLE -> "nothing of it is treated as deleted";
            };
            out.println("  " + src.state() + "  " + src.name() + "  " + src.path() + "  (" + detail
                    + src.reason().map(r -> "; " + r).orElse("") + ")");
            src.unavailableFolders().forEach((rel, why) -> out.println("    UNAVAILABLE  " + src.name() + "/" + rel + "  ("
                    + why + "; nothing under it is treated as deleted)"));
            if (src.heldDeletions() > 0) {
                out.println("    HELD  " + src.heldDeletions() + " deletion(s)" + src.heldReason().map(r -> " (" + r + ")").orElse("")
                        + "; `keepwatch accept-deletions " + src.name() + "` releases them");
            }
        }
        out.println("Last batch:   " + s.lastBatchAt().map(StatusCommand::shown).orElse("none yet"));
        out.println("Waiting:      " + s.queueDepth() + " in queue, " + s.pendingPaths() + " in debounce");
        out.println("Since start:  " + s.counts().getOrDefault("backed_up", 0L) + " backed up, "
                + s.counts().getOrDefault("updated", 0L) + " updated, " + s.counts().getOrDefault("duplicates", 0L)
                + " duplicates, " + s.counts().getOrDefault("deleted", 0L) + " deleted, "
                + s.counts().getOrDefault("pruned", 0L) + " pruned, " + s.counts().getOrDefault("failed", 0L) + " failed");
        out.println("Last error:   " + NameText.escape(s.lastError().map(m -> s.lastErrorAt().map(t -> shown(t) + " ").orElse("") + m).orElse("none")));
        out.println("Updated:      " + shown(s.updatedAt()) + " (" + Duration.between(s.updatedAt(), now).toSeconds() + " s ago)");
    }
}
