package io.keepwatch.replicate;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.repo.StoreUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the backup into the repository while the service runs. As an {@link EngineListener} it only counts what
 * changed and wakes its thread at the end of each pass or batch (the engine thread never waits for it). Its
 * thread pushes when the state on disk (state.json and its change log) is not the one it last pushed, at most once
 * per interval; a push reads
 * state.json and the backup files as {@code keepwatch push} does, without the backup root's lock. A failed push is
 * logged as an ERROR, reported to {@code problems} (the service's status) and retried after a backoff that doubles
 * from the interval up to an hour; the service goes on backing up meanwhile. A store that cannot be reached (a
 * {@link StoreUnavailableException}: endpoint down, DNS, 5xx or throttling beyond the store's own retries) is a
 * state of its own, {@code remote unavailable}, with its reason and since when: one WARN when it begins, one INFO
 * when it ends (the tries between are logged at DEBUG, the store's retries too), retried after a backoff that
 * doubles from the interval up to {@link #UNAVAILABLE_MAX_BACKOFF} (or the interval, if longer), so the
 * replicator catches up soon after the remote is back.
 */
public final class Replicator implements EngineListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replicator.class);
    static final Duration MAX_BACKOFF = Duration.ofHours(1);
    /** The longest wait between tries while the remote is unavailable: a try is a few small requests. */
    static final Duration UNAVAILABLE_MAX_BACKOFF = Duration.ofMinutes(5);

    /** Where the replicator pushes: any repository, in any store. */
    public interface Target {
        /** Which state is on disk now (a tag that changes with each commit), or empty if there is none. */
        Optional<String> stateOnDisk() throws IOException;

        /**
         * Pushes the backup as state.json on disk has it now.
         *
         * @param quietRetries the remote was unavailable at the last try (and that was logged): the store's own
         *     retries are logged at DEBUG only
         */
        Pushed push(boolean quietRetries) throws Exception;

        /** Where it pushes, for messages (no credential). */
        String describe();
    }

    /**
     * What one push did.
     *
     * @param snapshot the short id of the snapshot written, or of the unchanged one found
     * @param bytesAdded sealed bytes added to the repository
     * @param problems contents left out (their backup file changed or went while the push read it)
     */
    public record Pushed(String snapshot, boolean newSnapshot, long bytesAdded, List<String> problems) {
    }

    private final Target target;
    private final Clock clock;
    private final Duration interval;
    private final Path statusFile;
    private final Consumer<String> problems;
    private final Thread thread;
    private final Object lock = new Object();

    // guarded by lock
    private boolean woken;
    private boolean closed;
    private boolean passSeen;
    private long pendingChanges;
    private long pendingBytes;
    private String state = ReplicationStatus.WAITING;
    // only the replicator's thread changes these (read under lock for the status)
    private Optional<String> pushedTag = Optional.empty();
    private Instant inSyncAt;
    private String lastSnapshot;
    private Instant lastPushAt;
    private long lastBytesAdded;
    private int lastProblems;
    private int failures;
    private String lastError;
    private Instant lastErrorAt;
    private Instant nextTryAt;
    private Instant unavailableSince;

    private Replicator(Target target, Clock clock, Duration interval, Path statusFile, Consumer<String> problems) {
        this.target = target;
        this.clock = clock;
        this.interval = interval;
        this.statusFile = statusFile;
        this.problems = problems;
        this.thread = new Thread(this::loop, "keepwatch-replicate");
        this.thread.setDaemon(true);
    }

    /**
     * Starts the replicator's thread; it pushes first after the first pass ends.
     *
     * @param statusFile where its status is written ({@link ReplicationStatus#file})
     * @param problems where a failure is reported besides the log (the service's status)
     */
    public static Replicator start(Target target, Clock clock, Duration interval, Path statusFile, Consumer<String> problems) {
        Replicator r = new Replicator(target, clock, interval, statusFile, problems);
        r.thread.start();
        return r;
    }

    @Override
    public void on(EngineEvent event) {
        synchronized (lock) {
            if (event instanceof EngineEvent.FileBackedUp b) {
                pendingChanges++;
                pendingBytes += b.size();
            } else if (event instanceof EngineEvent.FileUpdated u) {
                pendingChanges++;
                pendingBytes += u.size();
            } else if (event instanceof EngineEvent.DuplicateKept || event instanceof EngineEvent.DeletionArchived
                    || event instanceof EngineEvent.VersionArchived || event instanceof EngineEvent.Pruned) {
                pendingChanges++;
            } else if (event instanceof EngineEvent.PassFinished) {
                passSeen = true;
                woken = true;
                lock.notifyAll();
            }
        }
    }

    private void loop() {
        try {
            while (true) {
                synchronized (lock) {
                    // wake at the end of a pass, or every interval to look for a state.json saved after the last push
                    if (!woken && !closed) {
                        lock.wait(interval.toMillis());
                    }
                    woken = false;
                    if (closed) {
                        return;
                    }
                    if (!passSeen) {
                        continue;
                    }
                }
                Instant now = clock.instant();
                if (nextTryAt != null && now.isBefore(nextTryAt)) {
                    sleepUntil(nextTryAt);
                    continue;
                }
                step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until {@code t} (or close); wake-ups meanwhile are remembered, not lost. */
    private void sleepUntil(Instant t) throws InterruptedException {
        synchronized (lock) {
            long ms = Duration.between(clock.instant(), t).toMillis();
            boolean wasWoken = woken;
            if (ms > 0 && !closed) {
                lock.wait(ms);
            }
            woken = wasWoken || woken;
            if (!closed) {
                woken = true; // look again now that the wait is over
            }
        }
    }

    /** One look: push if state.json changed since the last push. */
    private void step() {
        Optional<String> tag;
        try {
            tag = target.stateOnDisk();
        } catch (IOException e) {
            failed(e);
            return;
        }
        if (tag.isEmpty() || tag.equals(pushedTag) && failures == 0) {
            Instant now = clock.instant();
            synchronized (lock) {
                if (inSyncAt != null && tag.isPresent() && pendingChanges == 0) {
                    // nothing new since the last push: the repository holds the backup as it is now, so the lag
                    // does not grow over a quiet weekend (and the lag alert does not fire on one)
                    inSyncAt = now;
                }
            }
            setState(inSyncAt == null ? ReplicationStatus.WAITING : ReplicationStatus.IN_SYNC);
            return;
        }
        Instant started = clock.instant();
        long changes;
        long bytes;
        boolean down = unavailableSince != null;
        synchronized (lock) {
            // what this push takes: counted out when it succeeds (shown as pending until then, a failed try included)
            changes = pendingChanges;
            bytes = pendingBytes;
            if (!down) {
                state = ReplicationStatus.PUSHING; // while the remote is unavailable, a try leaves the status as it is
            }
        }
        if (!down) {
            writeStatus();
        }
        try {
            Pushed p = target.push(down);
            synchronized (lock) {
                pendingChanges -= changes;
                pendingBytes -= bytes;
            }
            pushedTag = tag;
            lastPushAt = clock.instant();
            lastSnapshot = p.snapshot();
            lastBytesAdded = p.bytesAdded();
            lastProblems = p.problems().size();
            if (unavailableSince != null) {
                log.info("Replication to {}: the remote is available again (unavailable since {}, {} s, {} failed attempt(s)); "
                        + "caught up", target.describe(), unavailableSince, Duration.between(unavailableSince, lastPushAt).toSeconds(),
                        failures);
            } else if (failures > 0) {
                log.info("Replication to {} works again after {} failed attempt(s)", target.describe(), failures);
            }
            failures = 0;
            unavailableSince = null;
            nextTryAt = started.plus(interval);
            if (p.problems().isEmpty()) {
                inSyncAt = started;
                log.info("Replicated to {}: {} {} ({} bytes added)", target.describe(), p.newSnapshot() ? "snapshot" : "unchanged snapshot",
                        p.snapshot(), p.bytesAdded());
            } else {
                // contents changed while they were read: the next push (after the interval) takes them
                pushedTag = Optional.empty();
                log.warn("Replicated to {}: snapshot {} without {} content(s) that changed while the push read them; "
                        + "they follow with the next push", target.describe(), p.snapshot(), p.problems().size());
            }
            setState(p.problems().isEmpty() ? ReplicationStatus.IN_SYNC : ReplicationStatus.PENDING);
        } catch (Exception e) {
            failed(e);
        }
    }

    private void failed(Exception e) {
        failures++;
        Optional<StoreUnavailableException> down = unavailable(e);
        boolean unavailable = down.isPresent();
        Duration backoff = backoff(interval, failures, unavailable);
        Exception reason = down.<Exception>map(x -> x).orElse(e); // the store's words, not those of a wrapper
        lastError = reason.getMessage() == null ? reason.toString() : reason.getMessage();
        lastErrorAt = clock.instant();
        nextTryAt = lastErrorAt.plus(backoff);
        if (unavailable) {
            if (unavailableSince == null) {
                unavailableSince = lastErrorAt;
                String line = "Replication to " + target.describe() + ": remote unavailable: " + lastError + " (retried with "
                        + "backoff, next try in " + backoff.toSeconds() + " s; it catches up when the remote is back; local backups go on)";
                log.warn(line);
                problems.accept(line);
            } else {
                log.debug("Replication to {}: remote still unavailable (attempt {}; next try in {} s): {}", target.describe(), failures,
                        backoff.toSeconds(), lastError);
            }
            setState(ReplicationStatus.REMOTE_UNAVAILABLE);
            return;
        }
        unavailableSince = null;
        String line = "Replication to " + target.describe() + " failed: " + lastError + " (attempt " + failures + "; next try in "
                + backoff.toSeconds() + " s; local backups go on)";
        log.error(line);
        log.debug("replication failure", e);
        problems.accept(line);
        setState(ReplicationStatus.FAILING);
    }

    /** What in {@code e} says the store cannot be reached for now (not a refusal, not a local error), if anything. */
    static Optional<StoreUnavailableException> unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof StoreUnavailableException u) {
                return Optional.of(u);
            }
        }
        return Optional.empty();
    }

    /**
     * The wait before the next try after {@code failures} failures in a row: the interval, doubled with each
     * failure, up to an hour, or up to {@link #UNAVAILABLE_MAX_BACKOFF} (but at least the interval) while the remote
     * is unavailable.
     */
    static Duration backoff(Duration interval, int failures, boolean unavailable) {
        Duration max = unavailable ? (interval.compareTo(UNAVAILABLE_MAX_BACKOFF) > 0 ? interval : UNAVAILABLE_MAX_BACKOFF) : MAX_BACKOFF;
        Duration b = interval.multipliedBy(1L << Math.min(failures - 1, 20));
        return b.compareTo(max) > 0 || b.isNegative() ? max : b;
    }

    private void setState(String s) {
        synchronized (lock) {
            state = s;
        }
        writeStatus();
    }

    /** The replicator's status now. */
    public ReplicationStatus status() {
        synchronized (lock) {
            String shown = state.equals(ReplicationStatus.IN_SYNC) && pendingChanges > 0 ? ReplicationStatus.PENDING : state;
            return new ReplicationStatus(target.describe(), shown, interval.toSeconds(), clock.instant(), inSyncAt, lastSnapshot,
                    lastPushAt, lastBytesAdded, lastProblems, pendingChanges, pendingBytes, failures, lastError, lastErrorAt,
                    nextTryAt, unavailableSince);
        }
    }

    private void writeStatus() {
        try {
            status().write(statusFile);
        } catch (IOException | RuntimeException e) {
            log.warn("Cannot write {}: {}", statusFile, e.toString());
        }
    }

    /** Stops the thread (a push in progress is left to end with the process: it writes its snapshot last). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
