package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.execute.Journal;
import io.keepwatch.execute.Recovery;
import io.keepwatch.execute.StagingArea;
import io.keepwatch.fs.BackupRoot;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.Modes;
import io.keepwatch.guard.Guard;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.Scanner;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateException;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;

/**
 * The backup root's lifecycle: {@link #acquire} creates it if needed, makes its private folders private, takes its
 * lock and removes temp leftovers; {@link #loadState} loads the state, recovers an interrupted batch and re-hashes the
 * backup if {@code hash_algorithm} changed; {@link #release} lets the lock go. Also holds what a pass needs from the
 * time the lock is taken: the sources' scanners (and the scans {@link ScanAhead} began), the journal and the deletion
 * guard.
 */
final class RootSession {
    private final BackupLayout layout;
    private final Fs fs;
    private final BackupLock lock;
    private final Map<String, Scanner> scanners;
    private final Map<String, Future<ScanResult>> prefetched;
    private final StateStore store;
    private final Journal journal;
    private final Guard guard;

    private RootSession(BackupLayout layout, Fs fs, BackupLock lock, Map<String, Scanner> scanners,
            Map<String, Future<ScanResult>> prefetched, StateStore store, Journal journal, Guard guard) {
        this.layout = layout;
        this.fs = fs;
        this.lock = lock;
        this.scanners = scanners;
        this.prefetched = prefetched;
        this.store = store;
        this.journal = journal;
        this.guard = guard;
    }

    /** Opens the backup root and takes its lock; the scans of {@code ahead}, if given, are the first passes'. */
    static RootSession acquire(Config config, Fs fs, Clock clock, Optional<ScanAhead> ahead) throws IOException, LockedException {
        BackupLayout layout = new BackupLayout(config.backupRoot());
        Modes.createFolders(config.backupRoot());
        BackupRoot dirs = new BackupRoot(layout.root(), fs);
        dirs.mkdirs(layout.tmpDir());
        dirs.mkdirs(layout.journalDir());
        // Made with the umask's mode by versions before 0600/0700 were given at creation: made private now.
        Modes.restrict(layout.privateDir());
        Modes.restrict(layout.stateFile());
        BackupLock lock = BackupLock.acquire(layout.lockFile(), layout.root());
        try {
            Map<String, Scanner> scanners = ahead.map(ScanAhead::scanners).orElseGet(() -> ScanAhead.scannersOf(config, fs));
            Map<String, Future<ScanResult>> prefetched = ahead.map(ScanAhead::scans).orElse(Map.of());
            StateStore store = new StateStore(layout, fs, clock, new PolicyOutlook(config, clock.getZone()));
            store.cleanLeftovers();
            // Before anything looks at the backup root: a first run that crashed before its first batch leaves
            // only staged copies (in folders made for them), which must not read as backups made earlier.
            StagingArea.cleanLeftovers(layout, fs);
            return new RootSession(layout, fs, lock, scanners, prefetched, store, new Journal(layout, fs), Guard.load(layout, fs));
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    BackupLayout layout() {
        return layout;
    }

    Map<String, Scanner> scanners() {
        return scanners;
    }

    Map<String, Future<ScanResult>> prefetched() {
        return prefetched;
    }

    /** The store that reads the state (and its metadata index). */
    StateStore store() {
        return store;
    }

    Journal journal() {
        return journal;
    }

    Guard guard() {
        return guard;
    }

    /**
     * Loads the state (a new one when there is none and the backup root holds no backup), brings it up to date with
     * an interrupted batch of the journal, and re-hashes the backup if {@code hash_algorithm} changed; what those two
     * change is saved through {@code writer}, the store the engine goes on saving through.
     */
    BackupState loadState(Config config, HashingCopier copier, StateStore writer) throws IOException, StateException {
        Optional<BackupState> loaded = store.load();
        if (loaded.isEmpty() && !journal.hasPending()) {
            // With a journal, a first run was interrupted before its first save: recovery accounts for its files.
            refuseIfBackupExists(config);
        }
        BackupState state = loaded.orElseGet(() -> new BackupState(config.hashAlgorithm().configName()));
        recover(state, copier, writer);
        migrateHashAlgorithm(state, config, copier, writer);
        return state;
    }

    private void refuseIfBackupExists(Config config) throws IOException, StateException {
        List<Path> candidates = new ArrayList<>(List.of(layout.root().resolve(BackupLayout.VERSIONS),
                layout.root().resolve(BackupLayout.DELETED), layout.root().resolve(BackupLayout.DUPLICATES)));
        config.sources().forEach(s -> candidates.add(layout.sourceMirror(s.name())));
        for (Path p : candidates) {
            if (fs.isDirectory(p)) {
                try (DirectoryStream<Path> ds = fs.list(p)) {
                    if (ds.iterator().hasNext()) {
                        throw new StateException(store.file(), "state file is missing but the backup root already holds backups ("
                                + p + "); keepwatch will not start from nothing over them. Run `keepwatch rebuild-state`", null);
                    }
                }
            }
        }
    }

    /**
     * Applies the journal's batches one at a time, each read only when its turn comes: a first backup commits only at
     * its end ({@link CommitPolicy#passCommitDue}), so a crash in one can leave a journal of a million actions, and
     * holding them all at once would take several hundred MB.
     */
    private void recover(BackupState state, HashingCopier copier, StateStore writer) throws IOException {
        List<Path> pending = journal.pendingFiles();
        if (pending.isEmpty()) {
            return;
        }
        Recovery recovery = new Recovery(layout, copier, new BackupRoot(layout.root(), fs));
        long last = 0;
        for (Path f : pending) {
            Journal.Batch b = journal.read(f);
            recovery.apply(b, state);
            last = Math.max(last, b.seq());
        }
        writer.save(state);
        journal.clearThrough(last);
    }

    /** After {@code hash_algorithm} changed: re-hash every file the backup holds, so no version is created. */
    private void migrateHashAlgorithm(BackupState state, Config config, HashingCopier copier, StateStore writer) throws IOException {
        String wanted = config.hashAlgorithm().configName();
        if (state.hashAlgorithm().equals(wanted)) {
            return;
        }
        new HashMigration(layout, copier, new BackupRoot(layout.root(), fs)).migrate(state, wanted);
        writer.save(state);
    }

    /** Lets the backup root's lock go. */
    void release() throws IOException {
        lock.close();
    }
}
