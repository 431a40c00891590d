package io.keepwatch.replicate;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
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
 * thread pushes when state.json on disk is not the one it last pushed, at most once per interval; a push reads
 * state.json and the backup files as {@code keepwatch push} does, without the backup root's lock. A failed push is
 * logged as an ERROR, reported to {@code problems} (the service's status) and retried after a backoff that doubles
 * from the interval up to an hour; the service goes on backing up meanwhile.
 */
public final class Replicator implements EngineListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Replicator.class);
    static final Duration MAX_BACKOFF = Duration.ofHours(1);

    /** Where the replicator pushes: any repository, in any store. */
    public interface Target {
        /** Which state.json is on disk now (a tag that changes with each save), or empty if there is none. */
        Optional<String> stateOnDisk() throws IOException;

        /** Pushes the backup as state.json on disk has it now. */
        Pushed push() throws Exception;

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
    private String state = "waiting";
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
            setState(inSyncAt == null ? "waiting" : "in sync");
            return;
        }
        Instant started = clock.instant();
        long changes;
        long bytes;
        synchronized (lock) {
            changes = pendingChanges;
            bytes = pendingBytes;
            pendingChanges = 0;
            pendingBytes = 0;
            state = "pushing";
        }
        writeStatus();
        try {
            Pushed p = target.push();
            pushedTag = tag;
            lastPushAt = clock.instant();
            lastSnapshot = p.snapshot();
            lastBytesAdded = p.bytesAdded();
            lastProblems = p.problems().size();
            if (failures > 0) {
                log.info("Replication to {} works again after {} failed attempt(s)", target.describe(), failures);
            }
            failures = 0;
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
            setState(p.problems().isEmpty() ? "in sync" : "pending");
        } catch (Exception e) {
            synchronized (lock) {
                pendingChanges += changes;
                pendingBytes += bytes;
            }
            failed(e);
        }
    }

    private void failed(Exception e) {
        failures++;
        Duration backoff = interval.multipliedBy(1L << Math.min(failures - 1, 20));
        if (backoff.compareTo(MAX_BACKOFF) > 0 || backoff.isNegative()) {
            backoff = MAX_BACKOFF;
        }
        lastError = e.getMessage() == null ? e.toString() : e.getMessage();
        lastErrorAt = clock.instant();
        nextTryAt = lastErrorAt.plus(backoff);
        String line = "Replication to " + target.describe() + " failed: " + lastError + " (attempt " + failures + "; next try in "
                + backoff.toSeconds() + " s; local backups go on)";
        log.error(line);
        log.debug("replication failure", e);
        problems.accept(line);
        setState("failing");
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
            String shown = state.equals("in sync") && pendingChanges > 0 ? "pending" : state;
            return new ReplicationStatus(target.describe(), shown, interval.toSeconds(), clock.instant(), inSyncAt, lastSnapshot,
                    lastPushAt, lastBytesAdded, lastProblems, pendingChanges, pendingBytes, failures, lastError, lastErrorAt,
                    nextTryAt);
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
