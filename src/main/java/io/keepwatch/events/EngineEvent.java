package io.keepwatch.events;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One thing the engine or the service did, as an immutable record. Paths are as in the backup: {@code source} is
 * the source's name and {@code path} the file's path relative to it, {@code /}-separated. {@code at} is the
 * engine's clock when it happened. The engine emits these from the same places that write the matching log lines;
 * no listener is expected to parse a log line or a message.
 */
public sealed interface EngineEvent {
    Instant at();

    /** A new file copied to {@code <source>/<path>} ({@code size} bytes). */
    record FileBackedUp(Instant at, String source, String path, long size) implements EngineEvent {
    }

    /** A tracked file whose content changed: its new content is the current copy now ({@code size} bytes). */
    record FileUpdated(Instant at, String source, String path, long size) implements EngineEvent {
    }

    /** A new file with the content of the live file {@code sameAs} ({@code source/path}), kept in {@code _duplicates/}. */
    record DuplicateKept(Instant at, String source, String path, String sameAs) implements EngineEvent {
    }

    /** A file gone from its source, its copy moved to {@code _deleted/<source>/<stored>}. */
    record DeletionArchived(Instant at, String source, String path, String stored) implements EngineEvent {
    }

    /** The previous copy of an updated file kept as {@code versions/<source>/<path>/v<version>.bak}. */
    record VersionArchived(Instant at, String source, String path, int version) implements EngineEvent {
    }

    /**
     * Retention removed an old version or a deleted file of {@code source/path}.
     *
     * @param removed what was removed, relative to the backup root
     * @param reason the rule, in words (e.g. {@code more than 10 versions})
     */
    record Pruned(Instant at, String source, String path, String removed, String reason) implements EngineEvent {
    }

    /**
     * A file or folder that could not be backed up (or an action on the backup root that failed).
     *
     * @param path relative to the source; empty for the source's root
     * @param message one line: what failed and why, with the path
     */
    record Failure(Instant at, String source, String path, FailureReason reason, String message) implements EngineEvent {
    }

    /**
     * The deletion guard holds {@code count} deletions of a source instead of archiving them. Emitted at the end of
     * each pass of that source while it holds any (before {@link PassFinished}); a pass of the source without it means
     * none are held any more.
     */
    record DeletionsHeld(Instant at, String source, int count) implements EngineEvent {
    }

    /**
     * Retention decided over the whole backup root (at the end of a full pass, or {@code prune}).
     *
     * @param held a changed policy would remove most old versions at once: nothing was removed, it waits for
     *     {@code --accept-retention}
     * @param versionsRemoved when held: the old versions it would remove; 0 otherwise
     * @param versions when held: all old versions; 0 otherwise
     * @param warnings limits it could not meet (a size cap, the free space), in words; empty if it met them all
     */
    record RetentionDecided(Instant at, boolean held, long versionsRemoved, long versions, List<String> warnings)
            implements EngineEvent {
        public RetentionDecided {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * A source's state in the service changed (e.g. OK to UNAVAILABLE when its disk was unmounted, and back).
     *
     * @param from empty for the state the service first finds a source in, at its start
     * @param reason why it is not OK, in words (empty for OK)
     */
    record SourceStateChanged(Instant at, String source, Optional<SourceState> from, SourceState to, Optional<String> reason)
            implements EngineEvent {
    }

    /**
     * The service, starting, found that it had stopped without saying so: its status file, last written at
     * {@code lastSeen}, still said it was running (it was killed, crashed, or the machine lost power).
     */
    record ServiceStoppedUnexpectedly(Instant at, Instant lastSeen) implements EngineEvent {
    }

    /**
     * A job ended: one the service ran on a schedule (verify, check, push, prune, export), or a command run by hand
     * (the same, and import, restore, prune --repo, restore --repo).
     *
     * @param job its name: {@code verify}, {@code check}, {@code push}, {@code prune}, {@code export}, {@code import},
     *     {@code restore}, {@code prune --repo}, {@code restore --repo}
     * @param by who ran it: the service's schedule, or a person (a command)
     * @param outcome OK; PARTIAL: it ran through and found damage (verify, check) or could not do everything (push,
     *     prune, export, restore); FAILED: it could not run; SKIPPED: it did not run, on purpose (a scheduled push while
     *     the replicator pushes)
     * @param summary one line: what it did, or why it could not
     * @param figures what it counted
     * @param problems what it found, one line each (at most {@link #MAX_PROBLEMS})
     */
    record JobFinished(Instant at, String job, By by, Instant started, Outcome outcome, String summary, Figures figures,
            List<String> problems) implements EngineEvent {
        public static final int MAX_PROBLEMS = 50;

        public JobFinished {
            problems = List.copyOf(problems.size() > MAX_PROBLEMS ? problems.subList(0, MAX_PROBLEMS) : problems);
        }

        public Duration duration() {
            return Duration.between(started, at);
        }

        /** Who ran a job. */
        public enum By {
            /** The service, at a time of its {@code schedules}. */
            SCHEDULE,
            /** A person: {@code keepwatch verify}, {@code push}, ... */
            COMMAND
        }

        /**
         * What a job counted.
         *
         * @param files the files (or contents, packs, objects) it read, wrote or removed
         * @param bytes their bytes
         * @param damage what verify or check found damaged, missing or unexpected; 0 for the other jobs
         */
        public record Figures(long files, long bytes, long damage) {
            public static final Figures NONE = new Figures(0, 0, 0);
        }
    }

    /** A pass (or a service batch) began over {@code sources}. */
    record PassStarted(Instant at, Trigger trigger, List<String> sources) implements EngineEvent {
        public PassStarted {
            sources = List.copyOf(sources);
        }
    }

    /**
     * A pass (or a service batch) ended; {@code at} is its end.
     *
     * @param unavailable sources the pass skipped because they were missing, unmounted or suddenly empty
     * @param error why the pass stopped before its end (e.g. the journal could not be written); empty if it ran through
     */
    record PassFinished(Instant at, Trigger trigger, List<String> sources, Instant started, Counts counts,
            List<String> unavailable, Outcome outcome, Optional<String> error) implements EngineEvent {
        public PassFinished {
            sources = List.copyOf(sources);
            unavailable = List.copyOf(unavailable);
        }

        public Duration duration() {
            return Duration.between(started, at);
        }
    }
}
