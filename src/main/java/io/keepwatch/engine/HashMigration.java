package io.keepwatch.engine;

import io.keepwatch.fs.BackupRoot;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converts the state to a new {@code hash_algorithm} by re-hashing the copies in the backup root (current
 * copies, duplicates, versions, deleted files). Metadata stays, so the next pass still trusts unchanged
 * files and no version is created by the change. A live file whose copy is missing is dropped from the
 * state (the next pass backs it up again); a missing version or deleted file keeps its old hash, and
 * {@code verify} reports it.
 */
final class HashMigration {
    private static final Logger log = LoggerFactory.getLogger(HashMigration.class);

    private final BackupLayout layout;
    private final HashingCopier copier;
    private final BackupRoot dirs;

    HashMigration(BackupLayout layout, HashingCopier copier, BackupRoot dirs) {
        this.layout = layout;
        this.copier = copier;
        this.dirs = dirs;
    }

    void migrate(BackupState state, String algorithm) throws IOException {
        log.info("hash_algorithm changed from {} to {}: re-hashing the files in {}", state.hashAlgorithm(), algorithm, layout.root());
        int n = 0;
        for (String source : state.sourceNames()) {
            for (Map.Entry<String, LiveFile> e : new ArrayList<>(state.liveFiles(source).entrySet())) {
                FileRef ref = new FileRef(source, e.getKey());
                LiveFile live = e.getValue();
                Optional<String> hash = rehash(layout.copyOf(ref, live));
                if (hash.isEmpty()) {
                    log.warn("{}: its copy {} is missing; it will be backed up again", ref, layout.copyOf(ref, live));
                    state.removeLive(ref);
                } else {
                    state.putLive(ref, new LiveFile(hash.get(), live.size(), live.mtime(), live.inode(), live.perms(), live.since(),
                            live.duplicateOf()));
                }
                n++;
            }
            for (Map.Entry<String, PathHistory> e : new ArrayList<>(state.histories(source).entrySet())) {
                FileRef ref = new FileRef(source, e.getKey());
                PathHistory h = e.getValue();
                List<VersionRecord> versions = new ArrayList<>();
                for (VersionRecord v : h.versions()) {
                    versions.add(rehash(layout.version(ref, v.n()))
                            .map(hash -> new VersionRecord(v.n(), hash, v.size(), v.mtime(), v.perms(), v.since(), v.archivedAt()))
                            .orElse(v));
                    n++;
                }
                List<DeletionRecord> deletions = new ArrayList<>();
                for (DeletionRecord d : h.deletions()) {
                    deletions.add(rehash(layout.deleted(source, d.stored()))
                            .map(hash -> new DeletionRecord(d.stored(), hash, d.size(), d.mtime(), d.perms(), d.since(), d.deletedAt()))
                            .orElse(d));
                    n++;
                }
                state.putHistory(ref, new PathHistory(h.lastVersion(), versions, deletions));
            }
        }
        state.setHashAlgorithm(algorithm);
        log.info("Re-hashed {} files with {}", n, algorithm);
    }

    /**
     * The new hash of a file in the backup root; empty when it is missing, or cannot be read from inside the backup
     * root (a symbolic link on its way: said in a WARN line, and {@code verify} reports it).
     */
    private Optional<String> rehash(Path file) throws IOException {
        try {
            return Optional.of(copier.hashOf(dirs.check(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (io.keepwatch.fs.UnsafePathException e) {
            log.warn("Not re-hashing {}: {}", e.getFile(), e.getReason());
            return Optional.empty();
        }
    }
}
