package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigException;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.config.RepositoryConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.EngineListener;
import io.keepwatch.fs.Fs;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.RepoException;
import io.keepwatch.replicate.RepoTarget;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.replicate.Replicator;
import io.keepwatch.s3.Stores;
import io.keepwatch.schedule.PushTurn;
import io.keepwatch.state.BackupLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For {@code run}: the replicator, when config.json has a {@code repository} entry. The key file is read once here;
 * one that cannot be read (missing, wrong passphrase) is an ERROR in the log and the status, and the service runs
 * without replication. Without a repository entry, nothing (and a replication.json left by an earlier run is removed,
 * so {@code status} does not show it).
 */
final class Replicating implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replicating.class);
    private final Optional<Replicator> replicator;

    private Replicating(Optional<Replicator> replicator) {
        this.replicator = replicator;
    }

    /** @param turn its pushes take turns with the scheduled push's */
    static Replicating start(Path configFile, Config cfg, Fs fs, Clock clock, Consumer<String> problems, PushTurn turn)
            throws ConfigException {
        Optional<RepositoryConfig> rc = new ConfigLoader().repository(configFile);
        BackupLayout layout = new BackupLayout(cfg.backupRoot());
        Path statusFile = ReplicationStatus.file(layout);
        if (rc.isEmpty()) {
            try {
                Files.deleteIfExists(statusFile);
            } catch (java.io.IOException e) {
                log.debug("cannot remove {}: {}", statusFile, e.toString());
            }
            return new Replicating(Optional.empty());
        }
        RepositoryConfig r = rc.get();
        try {
            Path keyFile = r.keyFile().orElseThrow(() -> new RepoException("the repository entry of " + configFile + " names no key_file"));
            Optional<char[]> pass = r.passphraseFile().isPresent() ? Optional.of(KeyFile.readPassphrase(r.passphraseFile().get()))
                    : Optional.empty();
            KeyFile.Opened key = KeyFile.read(keyFile, pass);
            Map<String, String> paths = new LinkedHashMap<>();
            for (SourceConfig s : cfg.sources()) {
                paths.put(s.name(), s.path().toString());
            }
            String describe;
            try (var probe = Stores.open(r.url(), r.s3())) {
                describe = probe.describe();
            }
            RepoTarget target = new RepoTarget(quiet -> Stores.open(r.url(), r.s3(), quiet), describe, key, keyFile.toString(),
                    Optional.of(RepoOptions.defaultCacheRoot()), layout, fs, clock, RepoOptions.hostName(), paths);
            Files.createDirectories(layout.privateDir());
            log.info("Replication to {}: after backups, at most every {} s", describe, r.replicateInterval().toSeconds());
            return new Replicating(Optional.of(Replicator.start(turn.replicator(target), clock, r.replicateInterval(), statusFile,
                    problems)));
        } catch (RepoException | java.io.IOException e) {
            String line = "Replication to " + r.url() + " is off: " + e.getMessage();
            log.error(line);
            problems.accept(line);
            return new Replicating(Optional.empty());
        }
    }

    /** The replicator's status now; empty without replication. */
    Optional<ReplicationStatus> status() {
        return replicator.map(Replicator::status);
    }

    EngineListener listener() {
        return replicator.<EngineListener>map(x -> x).orElse(EngineListener.NONE);
    }

    @Override
    public void close() {
        replicator.ifPresent(Replicator::close);
    }
}
