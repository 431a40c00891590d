package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateException;
import io.keepwatch.state.StateStore;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What the read-only commands ({@code versions}, {@code restore}, {@code verify}) share: reading state.json
 * without the backup root's lock (it is replaced atomically, so a running service never leaves it torn),
 * and printing instants in local time.
 */
final class BackupReader {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ROOT);

    private BackupReader() {
    }

    static RealFs fs(Config cfg) {
        return RealFs.forFileSystem(cfg.backupRoot().getFileSystem());
    }

    static BackupState load(Config cfg) throws StateException {
        return load(cfg, store(cfg));
    }

    static StateStore store(Config cfg) {
        return new StateStore(new BackupLayout(cfg.backupRoot()), fs(cfg), Clock.systemUTC());
    }

    /** The state {@code store} (of {@code cfg}'s backup root) holds. */
    static BackupState load(Config cfg, StateStore store) throws StateException {
        BackupLayout layout = new BackupLayout(cfg.backupRoot());
        return store.load()
                .orElseThrow(() -> new StateException(layout.stateFile(), "no backup here yet (state.json does not exist); run "
                        + "`keepwatch once` first, or `keepwatch rebuild-state` if the backup root holds backups", null));
    }

    /** An instant as local time to the second with its offset, e.g. {@code 2026-11-21T10:15:00+01:00}. */
    static String local(Instant t) {
        return LOCAL.format(t.atZone(ZoneId.systemDefault()));
    }

    static String bytes(long n) {
        return io.keepwatch.retention.Bytes.format(n);
    }
}
