package io.keepwatch.web;

import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the backup root holds, by source: its current copies (the mirror and {@code _duplicates/}), old versions and
 * deleted files, as files and bytes, counted by walking those folders (links are not followed). A walk is slow on a
 * large backup, so it never runs on the engine thread: {@link #walk} is called by the status page's own thread,
 * after passes and at most about every {@link #spacing} (twenty times as long as the last walk took, at least 5 s).
 * {@link #history} keeps the totals over time for the page's chart (one sample a minute, the last
 * {@value #SAMPLES}).
 */
public final class DiskUse {
    private static final Logger log = LoggerFactory.getLogger(DiskUse.class);
    static final int SAMPLES = 720;
    private static final Duration MIN_SPACING = Duration.ofSeconds(5);
    private static final Duration SAMPLE_EVERY = Duration.ofMinutes(1);

    /** Files and bytes of one kind. */
    public record Tally(long files, long bytes) {
        static final Tally ZERO = new Tally(0, 0);

        Tally plus(Tally o) {
            return new Tally(files + o.files, bytes + o.bytes);
        }
    }

    /** One source's share of the backup root. */
    public record Use(Tally current, Tally versions, Tally deleted) {
        static final Use ZERO = new Use(Tally.ZERO, Tally.ZERO, Tally.ZERO);

        Use plus(Use o) {
            return new Use(current.plus(o.current), versions.plus(o.versions), deleted.plus(o.deleted));
        }
    }

    /** The totals of every source at one time. */
    public record Sample(Instant at, Use total) {
    }

    private final BackupLayout layout;
    private final List<String> sources;
    private final Clock clock;
    private final Deque<Sample> history = new ArrayDeque<>();
    private Map<String, Use> last = Map.of();
    private Instant lastAt;
    private Duration lastTook = Duration.ZERO;

    public DiskUse(BackupLayout layout, List<String> sources, Clock clock) {
        this.layout = layout;
        this.sources = List.copyOf(sources);
        this.clock = clock;
    }

    /** Walks the backup root now (on the caller's thread) and keeps the result. */
    public void walk() {
        Instant start = clock.instant();
        long t0 = System.nanoTime();
        Map<String, Use> now = new LinkedHashMap<>();
        for (String s : sources) {
            Tally current = tally(layout.sourceMirror(s)).plus(tally(layout.root().resolve(BackupLayout.DUPLICATES).resolve(s)));
            now.put(s, new Use(current, tally(layout.root().resolve(BackupLayout.VERSIONS).resolve(s)), tally(layout.deletedRoot(s))));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        synchronized (this) {
            last = now;
            lastAt = start;
            lastTook = took;
            Sample sample = new Sample(start, total(now.values()));
            if (!history.isEmpty() && history.peekLast().at().plus(SAMPLE_EVERY).isAfter(start) && history.size() > 1) {
                history.removeLast(); // keep one sample a minute: the newest of it
            }
            history.addLast(sample);
            while (history.size() > SAMPLES) {
                history.removeFirst();
            }
        }
    }

    /** How long to wait after a walk before the next one. */
    public synchronized Duration spacing() {
        Duration d = lastTook.multipliedBy(20);
        return d.compareTo(MIN_SPACING) < 0 ? MIN_SPACING : d;
    }

    /** When the last walk began, if one ran. */
    public synchronized Optional<Instant> lastAt() {
        return Optional.ofNullable(lastAt);
    }

    /** Each source's use at the last walk (empty before the first). */
    public synchronized Map<String, Use> bySource() {
        return last;
    }

    public synchronized List<Sample> history() {
        return new ArrayList<>(history);
    }

    static Use total(Collection<Use> uses) {
        Use t = Use.ZERO;
        for (Use u : uses) {
            t = t.plus(u);
        }
        return t;
    }

    private static Tally tally(Path dir) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return Tally.ZERO;
        }
        long[] n = new long[2];
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                    if (a.isRegularFile()) {
                        n[0]++;
                        n[1] += a.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    log.debug("disk use: {} not counted: {}", file, e.toString());
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.debug("disk use: {} not counted: {}", dir, e.toString());
        }
        return new Tally(n[0], n[1]);
    }
}
