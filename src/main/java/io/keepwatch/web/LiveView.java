package io.keepwatch.web;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.keepwatch.state.BackupLayout;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the page shows live, kept from the engine's events: each source's state and last backup, the pass or batch in
 * progress and the recent actions, in the words of the log. It hears events on the status page's own queue thread; the
 * page's threads read {@link #sources}, {@link #recent} and {@link #current}. When the service's status is given
 * ({@code run}), a source's state and held deletions are the service's; otherwise ({@code once}) they follow the events.
 */
public final class LiveView implements EngineListener {
    /** How many recent actions are kept. */
    static final int RECENT = 200;

    /** One line of the recent actions: {@code level} is INFO, WARN or ERROR, as in the log. */
    public record Line(Instant at, String level, String text) {
    }

    /** A source as the page and the metrics show it. */
    public record Source(String name, String path, SourceState state, Optional<String> reason, int heldDeletions,
            Optional<Instant> lastBackup, boolean scanning) {
    }

    /** The pass or batch in progress: what it covers, since when, and how many files it acted on so far. */
    public record Current(Trigger trigger, List<String> sources, Instant started, int files) {
    }

    private final Map<String, Path> roots = new LinkedHashMap<>();
    private final Supplier<Optional<ServiceStatus>> status;
    private final Deque<Line> recent = new ArrayDeque<>();
    private final Map<String, SourceState> states = new LinkedHashMap<>();
    private final Map<String, String> reasons = new LinkedHashMap<>();
    private final Map<String, Integer> held = new LinkedHashMap<>();
    private final Map<String, Instant> lastBackup = new LinkedHashMap<>();
    private Current current;
    private long version;

    /**
     * @param status the service's status now, if there is a service
     * @param lastBackups when each source was last backed up, from the run history, until a pass says otherwise
     */
    public LiveView(Config cfg, Supplier<Optional<ServiceStatus>> status, Map<String, Instant> lastBackups) {
        this.status = status;
        for (SourceConfig s : cfg.sources()) {
            roots.put(s.name(), s.path());
            states.put(s.name(), SourceState.OK);
        }
        lastBackup.putAll(lastBackups);
    }

    @Override
    public synchronized void on(EngineEvent event) {
        version++;
        if (event instanceof EngineEvent.FileBackedUp e) {
            line(e.at(), "INFO", "BACKUP: " + sourcePath(e.source(), e.path()) + " → " + e.source() + "/" + e.path());
            counted();
        } else if (event instanceof EngineEvent.FileUpdated e) {
            line(e.at(), "INFO", "UPDATED: " + sourcePath(e.source(), e.path()) + " → " + e.source() + "/" + e.path());
            counted();
        } else if (event instanceof EngineEvent.DuplicateKept e) {
            line(e.at(), "INFO", "DUPLICATE: " + sourcePath(e.source(), e.path()) + " → " + BackupLayout.DUPLICATES + "/"
                    + e.source() + "/" + e.path() + " (same content as " + e.sameAs() + ")");
            counted();
        } else if (event instanceof EngineEvent.DeletionArchived e) {
            line(e.at(), "INFO", "ARCHIVE DELETE: " + e.source() + "/" + e.path() + " → " + BackupLayout.DELETED + "/"
                    + e.source() + "/" + e.stored());
            counted();
        } else if (event instanceof EngineEvent.VersionArchived e) {
            line(e.at(), "INFO", "ARCHIVE: " + e.source() + "/" + e.path() + " → " + BackupLayout.VERSIONS + "/" + e.source()
                    + "/" + e.path() + "/v" + e.version() + ".bak");
        } else if (event instanceof EngineEvent.Pruned e) {
            line(e.at(), "INFO", "RETENTION delete: " + e.removed() + " (" + e.reason() + ")");
        } else if (event instanceof EngineEvent.Failure e) {
            line(e.at(), "ERROR", "FAILED: " + e.message());
            counted();
        } else if (event instanceof EngineEvent.DeletionsHeld e) {
            held.put(e.source(), e.count());
            line(e.at(), "WARN", "HELD: " + e.count() + " deletion(s) in " + e.source());
        } else if (event instanceof EngineEvent.SourceStateChanged e) {
            states.put(e.source(), e.to());
            e.reason().ifPresentOrElse(r -> reasons.put(e.source(), r), () -> reasons.remove(e.source()));
            line(e.at(), e.to() == SourceState.UNAVAILABLE ? "ERROR" : "INFO", "Source " + e.source() + " is " + e.to()
                    + e.reason().map(r -> ": " + r).orElse(""));
        } else if (event instanceof EngineEvent.PassStarted e) {
            current = new Current(e.trigger(), e.sources(), e.at(), 0);
        } else if (event instanceof EngineEvent.PassFinished e) {
            finished(e);
        } else if (event instanceof EngineEvent.JobFinished e) {
            line(e.at(), e.outcome() == Outcome.OK || e.outcome() == Outcome.SKIPPED ? "INFO"
                    : e.outcome() == Outcome.PARTIAL ? "WARN" : "ERROR", "Scheduled " + e.job() + ": " + e.outcome() + ", " + e.summary());
        }
    }

    private void finished(EngineEvent.PassFinished e) {
        current = null;
        for (String s : e.sources()) {
            if (e.unavailable().contains(s)) {
                states.put(s, SourceState.UNAVAILABLE);
            } else if (e.outcome() != Outcome.FAILED) {
                lastBackup.put(s, e.at());
                if (states.get(s) == SourceState.UNAVAILABLE && status.get().isEmpty()) {
                    states.put(s, SourceState.OK);
                }
            }
        }
        if (e.trigger() != Trigger.BATCH || e.counts().failed() > 0 || e.outcome() != Outcome.OK) {
            line(e.at(), e.outcome() == Outcome.OK ? "INFO" : e.outcome() == Outcome.PARTIAL ? "WARN" : "ERROR",
                    Words.trigger(e.trigger()) + " of " + String.join(", ", e.sources()) + ": " + e.outcome() + ", "
                            + e.counts().summary() + e.error().map(x -> "; " + x).orElse(""));
        }
    }

    private void counted() {
        if (current != null) {
            current = new Current(current.trigger(), current.sources(), current.started(), current.files() + 1);
        }
    }

    private void line(Instant at, String level, String text) {
        recent.addFirst(new Line(at, level, text));
        while (recent.size() > RECENT) {
            recent.removeLast();
        }
    }

    /** Adds a line that is no engine event (an action asked for on the page, a verify's result). */
    public synchronized void note(Instant at, String level, String text) {
        version++;
        line(at, level, text);
    }

    private String sourcePath(String source, String rel) {
        Path root = roots.get(source);
        return root == null ? source + "/" + rel : BackupLayout.resolvedText(root, rel);
    }

    /** The recent actions, newest first. */
    public synchronized List<Line> recent() {
        return new ArrayList<>(recent);
    }

    public synchronized Optional<Current> current() {
        return Optional.ofNullable(current);
    }

    /** Changes with every event: the page's script asks for the live parts again only when it moved. */
    public synchronized long version() {
        return version;
    }

    /** Each configured source, with the service's view of it when there is a service. */
    public List<Source> sources() {
        Optional<ServiceStatus> s = status.get();
        Map<String, ServiceStatus.Source> byName = new LinkedHashMap<>();
        s.ifPresent(x -> x.sources().forEach(src -> byName.put(src.name(), src)));
        String activity = s.map(ServiceStatus::activity).orElse("");
        synchronized (this) {
            List<Source> out = new ArrayList<>();
            for (Map.Entry<String, Path> e : roots.entrySet()) {
                String name = e.getKey();
                boolean scanning = current != null && current.trigger() != Trigger.BATCH && current.sources().contains(name)
                        || activity.contains("pass of " + name) || activity.contains("reconciliation of " + name);
                ServiceStatus.Source src = byName.get(name);
                if (src != null) {
                    out.add(new Source(name, e.getValue().toString(), src.state(), src.reason(), src.heldDeletions(),
                            Optional.ofNullable(lastBackup.get(name)), scanning));
                } else {
                    out.add(new Source(name, e.getValue().toString(), states.get(name), Optional.ofNullable(reasons.get(name)),
                            held.getOrDefault(name, 0), Optional.ofNullable(lastBackup.get(name)), scanning));
                }
            }
            return out;
        }
    }

    /** The service's status, if there is a service. */
    public Optional<ServiceStatus> status() {
        return status.get();
    }
}
