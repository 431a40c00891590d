package io.keepwatch.execute;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.plan.Action;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.FileRef;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user-facing lines of what the actions did, in one place: every {@code BACKUP:}, {@code ARCHIVE:},
 * {@code UPDATED:}, {@code DUPLICATE:}, {@code ARCHIVE DELETE:}, {@code STATE REMOVE:} and {@code RETENTION delete:}
 * line, its warning when the backup root lacked a file, and the {@link EngineEvent} told with it. The lines keep
 * the logger name of {@link Executor}, which wrote them before. {@link #kind} names an action in a FAILED or
 * RECOVERY line. (The FAILED lines themselves are {@link Tally#fail}'s.)
 */
final class ActionLog {
    private static final Logger log = LoggerFactory.getLogger(Executor.class);

    private static final Action.Visitor<String, RuntimeException> KIND = new Action.Visitor<>() {
        @Override
        public String backup(Action.Backup a) {
            return "BACKUP";
        }

        @Override
        public String update(Action.Update a) {
            return "UPDATE";
        }

        @Override
        public String duplicate(Action.Duplicate a) {
            return "DUPLICATE";
        }

        @Override
        public String refresh(Action.Refresh a) {
            return "REFRESH";
        }

        @Override
        public String delete(Action.Delete a) {
            return "ARCHIVE DELETE";
        }

        @Override
        public String pruneVersion(Action.PruneVersion a) {
            return "RETENTION delete";
        }

        @Override
        public String pruneDeleted(Action.PruneDeleted a) {
            return "RETENTION delete";
        }
    };

    private final Path root;
    private final Map<String, Path> sourceRoots;
    private final EngineListener events;

    ActionLog(Path root, Map<String, Path> sourceRoots, EngineListener events) {
        this.root = root;
        this.sourceRoots = Map.copyOf(sourceRoots);
        this.events = events;
    }

    /** How a FAILED or RECOVERY line names the kind of {@code a}: {@code BACKUP}, {@code UPDATE}, ... */
    static String kind(Action a) {
        return a.accept(KIND);
    }

    /** {@code <kind> <source>/<rel>}: the start of a FAILED line. */
    static String describe(Action a) {
        return kind(a) + " " + a.ref();
    }

    void backedUp(Action.Backup b, Path dest, Instant now) {
        log.info("BACKUP: {} → {}", sourcePath(b.ref()), rel(dest));
        events.on(new EngineEvent.FileBackedUp(now, b.ref().source(), b.ref().rel(), b.facts().size()));
    }

    void emptyFolderBackedUp(String source, String relPath, Path dir) {
        log.info("BACKUP: {}/{}/ (empty folder) → {}", source, relPath, rel(dir));
    }

    void versionArchived(Action.Update u, Path current, Path version, Instant now) {
        log.info("ARCHIVE: {} → {}", rel(current), rel(version));
        events.on(new EngineEvent.VersionArchived(now, u.ref().source(), u.ref().rel(), u.version()));
    }

    void versionLost(Action.Update u, Path current) {
        log.warn("ARCHIVE skipped: the current copy {} is missing from the backup root; version {} of {} is lost",
                rel(current), u.version(), u.ref());
    }

    void updated(Action.Update u, Path dest, Instant now) {
        log.info("UPDATED: {} → {}", sourcePath(u.ref()), rel(dest));
        events.on(new EngineEvent.FileUpdated(now, u.ref().source(), u.ref().rel(), u.facts().size()));
    }

    void duplicateKept(Action.Duplicate d, Path dest, Instant now) {
        log.info("DUPLICATE: {} → {} (same content as {})", sourcePath(d.ref()), rel(dest), d.original());
        events.on(new EngineEvent.DuplicateKept(now, d.ref().source(), d.ref().rel(), d.original().toString()));
    }

    void refreshed(Action.Refresh r) {
        log.debug("SKIP: {} (same content; metadata refreshed)", sourcePath(r.ref()));
    }

    void deletionArchived(Action.Delete d, Path copy, Path dest, Instant now) {
        log.info("ARCHIVE DELETE: {} → {}", rel(copy), rel(dest));
        events.on(new EngineEvent.DeletionArchived(now, d.ref().source(), d.ref().rel(), d.stored()));
    }

    void deletionCopyMissing(Path copy) {
        log.warn("ARCHIVE DELETE skipped: the copy {} is missing from the backup root", rel(copy));
    }

    void stateRemoved(Action.Delete d) {
        log.info("STATE REMOVE: {}", d.ref());
    }

    void pruned(FileRef ref, Path file, String reason, Instant now) {
        log.info("RETENTION delete: {} ({})", rel(file), reason);
        events.on(new EngineEvent.Pruned(now, ref.source(), ref.rel(), rel(file), reason));
    }

    void pruneFileGone(Path file) {
        log.warn("RETENTION: {} was already gone from the backup root", rel(file));
    }

    private String sourcePath(FileRef ref) {
        Path sourceRoot = sourceRoots.get(ref.source());
        return sourceRoot == null ? ref.toString() : BackupLayout.resolvedText(sourceRoot, ref.rel());
    }

    private String rel(Path p) {
        return BackupLayout.relative(root, p);
    }
}
