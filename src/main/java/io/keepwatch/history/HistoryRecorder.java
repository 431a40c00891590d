package io.keepwatch.history;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.QueuedListener;
import io.keepwatch.events.Trigger;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the run history from engine events. It runs on a thread of its own ({@link #start}), so the engine never
 * waits for the database. What it keeps:
 * <ul>
 *   <li>a row per pass; the service's batches of one source that end within {@link #COALESCE} of the first one's
 *       start share a row (counts summed, {@code batches} counted), so a busy day is hundreds of rows, not millions;</li>
 *   <li>each failure, at most {@link #FAILURES_PER_PASS} per pass (the pass row counts them all);</li>
 *   <li>each change of a source's state; deletions held are added to the pass they happened in;</li>
 *   <li>each run of a job (verify, check, push, prune, export, import, restore), scheduled or run by hand, with its
 *       outcome, summary, figures and what it found.</li>
 * </ul>
 * Rows older than {@code keep} are deleted at start and then hourly. A write that fails (the database locked for
 * longer than 5 s, the disk full) is logged (once, until writing works again) and reported to {@code problems} (the
 * status file's last error); the backup goes on. A database found corrupt while writing is moved aside and made anew.
 */
public final class HistoryRecorder implements EngineListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HistoryRecorder.class);
    /** Batches of a source within this time of the first one's start share a row. */
    static final Duration COALESCE = Duration.ofMinutes(1);
    static final int FAILURES_PER_PASS = 1_000;
    static final Duration PRUNE_EVERY = Duration.ofHours(1);
    static final Duration REOPEN_AFTER = Duration.ofMinutes(1);

    private final Path file;
    private final Clock clock;
    private final Duration keep;
    private final Consumer<String> problems;
    private Optional<HistoryStore> store;
    /** The open (coalescing) batch row of each source. */
    private final Map<String, PassRow> openBatch = new HashMap<>();
    /** Deletions held and failures recorded since each source's pass began. */
    private final Map<String, Integer> held = new HashMap<>();
    private int failuresThisPass;
    private Instant nextPrune = Instant.MIN;
    /** When to try again to open a database that could not be opened. */
    private Instant nextOpen = Instant.MIN;
    private boolean failing;

    private HistoryRecorder(Path file, Clock clock, Duration keep, Consumer<String> problems, Optional<HistoryStore> store) {
        this.file = file;
        this.clock = clock;
        this.keep = keep;
        this.problems = problems;
        this.store = store;
    }

    /**
     * Records into the history at {@code file} on a thread of its own; the database is opened when the first event to
     * write comes (the engine makes the backup root's private folder first). A database that cannot be opened is
     * logged and reported, and opening is tried again a minute later; the returned listener works either way.
     */
    public static QueuedListener start(Path file, Clock clock, Duration keep, Consumer<String> problems) {
        return QueuedListener.start("run history", open(file, clock, keep, problems), HistoryRecorder::wanted, 10_000);
    }

    /** The recorder itself, for callers (and tests) that run it on their own thread. */
    static HistoryRecorder open(Path file, Clock clock, Duration keep, Consumer<String> problems) {
        return new HistoryRecorder(file, clock, keep, problems, Optional.empty());
    }

    /** The events the history keeps: not the per-file ones (a first run would queue one per file). */
    static boolean wanted(EngineEvent e) {
        return e instanceof EngineEvent.PassStarted || e instanceof EngineEvent.PassFinished || e instanceof EngineEvent.Failure
                || e instanceof EngineEvent.SourceStateChanged || e instanceof EngineEvent.DeletionsHeld
                || e instanceof EngineEvent.JobFinished;
    }

    @Override
    public void on(EngineEvent event) {
        if (event instanceof EngineEvent.PassStarted p) {
            failuresThisPass = 0;
            p.sources().forEach(held::remove);
            if (java.nio.file.Files.isDirectory(file.getParent())) {
                store(); // opened (and SQLite loaded) while the pass runs, not after it
            }
            return;
        }
        if (event instanceof EngineEvent.DeletionsHeld h) {
            held.merge(h.source(), h.count(), Integer::sum);
            return;
        }
        Optional<HistoryStore> s = store();
        if (s.isEmpty()) {
            return;
        }
        try {
            write(s.get(), event);
            if (failing) {
                failing = false;
                log.info("The run history {} is written again", file);
            }
        } catch (SQLException e) {
            failed(e);
        }
    }

    private void write(HistoryStore s, EngineEvent event) throws SQLException {
        if (event instanceof EngineEvent.Failure f) {
            if (failuresThisPass++ < FAILURES_PER_PASS) {
                s.insert(new FailureRow(f.at(), f.source(), f.path(), f.reason(), f.message()));
            }
        } else if (event instanceof EngineEvent.SourceStateChanged c) {
            s.insert(new StateRow(c.at(), c.source(), c.from(), c.to(), c.reason()));
        } else if (event instanceof EngineEvent.JobFinished j) {
            s.insert(new JobRow(j.job(), j.by(), j.started(), j.at(), j.outcome(), j.summary(), j.figures(), j.problems()));
        } else if (event instanceof EngineEvent.PassFinished p) {
            int heldNow = p.sources().stream().mapToInt(src -> held.getOrDefault(src, 0)).sum();
            p.sources().forEach(held::remove);
            PassRow row = new PassRow(0, p.trigger(), p.sources(), p.started(), p.at(), p.outcome(), 1, p.counts(), heldNow,
                    p.unavailable(), p.error());
            pass(s, row);
            pruneIfDue(s, p.at());
        }
    }

    /** Records a pass; a batch joins its source's open batch row if that began less than {@link #COALESCE} ago. */
    private void pass(HistoryStore s, PassRow row) throws SQLException {
        if (row.trigger() != Trigger.BATCH || row.sources().size() != 1) {
            s.insert(row);
            return;
        }
        String source = row.sources().get(0);
        PassRow open = openBatch.get(source);
        if (open != null && row.ended().isBefore(open.started().plus(COALESCE))) {
            PassRow merged = open.plus(row);
            s.update(merged);
            openBatch.put(source, merged);
        } else {
            openBatch.put(source, s.insert(row));
        }
    }

    private void pruneIfDue(HistoryStore s, Instant now) throws SQLException {
        if (now.isBefore(nextPrune)) {
            return;
        }
        nextPrune = now.plus(PRUNE_EVERY);
        int n = s.deleteBefore(now.minus(keep));
        if (n > 0) {
            log.info("Run history: {} row(s) older than {} days deleted", n, keep.toDays());
        }
    }

    private Optional<HistoryStore> store() {
        if (store.isEmpty() && !clock.instant().isBefore(nextOpen)) {
            nextOpen = clock.instant().plus(REOPEN_AFTER);
            try {
                HistoryStore s = HistoryStore.open(file, clock);
                store = Optional.of(s);
                pruneIfDue(s, clock.instant());
            } catch (SQLException | IOException | RuntimeException e) {
                failed(e);
            }
        }
        return store;
    }

    private void failed(Exception e) {
        if (e instanceof SQLException sql && Sqlite.isCorrupt(sql) && store.isPresent()) {
            closeStore();
            try {
                Path aside = HistoryStore.moveAside(file, clock.instant());
                log.error("The run history {} is corrupt ({}); moved it aside to {}; a new one is started. The backup is not affected.",
                        file, e.getMessage(), aside.getFileName());
                openBatch.clear();
                nextOpen = Instant.MIN;
                return;
            } catch (IOException io) {
                e.addSuppressed(io);
            }
        }
        String line = "Cannot write the run history " + file + ": " + e.getMessage() + "; the backup goes on without it";
        if (!failing) {
            failing = true;
            log.error(line);
        } else {
            log.debug(line);
        }
        problems.accept(line);
    }

    private void closeStore() {
        store.ifPresent(s -> {
            try {
                s.close();
            } catch (SQLException e) {
                log.debug("closing the history: {}", e.toString());
            }
        });
        store = Optional.empty();
    }

    /** Closes the database ({@link QueuedListener} calls this on the recorder's thread, after the last event). */
    @Override
    public void close() {
        closeStore();
    }
}
