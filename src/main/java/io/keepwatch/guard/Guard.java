package io.keepwatch.guard;

import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.Fs;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deletion guard of one engine: what {@code .keepwatch/guard.json} remembers of each source (its folder's
 * identity, its mount points), the mount points unavailable now, and the deletions held
 * ({@link HeldDeletions}). The engine asks it, in each pass, which part of a scan can be trusted and which
 * deletions may be made. Used from the engine's thread only.
 */
public final class Guard {
    private static final Logger log = LoggerFactory.getLogger(Guard.class);

    private final Path file;
    private final Fs fs;
    private final Map<String, SourceMarks> marks;
    private final Map<String, Map<String, String>> unavailable = new HashMap<>();
    private final HeldDeletions holds = new HeldDeletions();
    private final AcceptRequests requests;
    private boolean dirty;

    private Guard(Path file, Fs fs, Map<String, SourceMarks> marks, AcceptRequests requests) {
        this.file = file;
        this.fs = fs;
        this.marks = new HashMap<>(marks);
        this.requests = requests;
    }

    public static Guard load(BackupLayout layout, Fs fs) {
        Path file = layout.privateDir().resolve("guard.json");
        return new Guard(file, fs, GuardFile.read(fs, file), new AcceptRequests(layout, fs));
    }

    /** The requests of {@code keepwatch accept-deletions}. */
    public AcceptRequests requests() {
        return requests;
    }

    /** What is remembered of a source (nothing for a source never backed up since the guard came). */
    public Optional<SourceMarks> marks(String source) {
        return Optional.ofNullable(marks.get(source));
    }

    /**
     * Whether the source folder is another folder than the one backed up: on the same device as when it was
     * last backed up ({@code sameDevice}), with another identity (inode).
     */
    public boolean rootReplaced(String source, String rootKey, boolean sameDevice) {
        String was = marks(source).map(SourceMarks::root).orElse("");
        return sameDevice && !was.isEmpty() && !rootKey.isEmpty() && !was.equals(rootKey);
    }

    /**
     * A full scan of {@code source}: checks its mount points against those remembered (logging each that became
     * unavailable, and what changed), and returns the scan without the subtrees of unavailable ones.
     *
     * @param skipped paths the scan passes over (excluded)
     */
    public ScanResult fullScan(SourceConfig source, Path root, ScanResult scan, Predicate<String> skipped, boolean accepted) {
        SourceMarks was = marks.getOrDefault(source.name(), SourceMarks.NONE);
        MountCheck.Result r = MountCheck.check(was.mounts(), scan.mounts(), rel -> skipped.test(rel) || !scan.covers(rel),
                rel -> hasMarker(source, root, rel), accepted);
        r.notes().forEach(n -> log.info("Source {}: {}", source.name(), n));
        if (!r.mounts().equals(was.mounts()) || !marks.containsKey(source.name())) {
            marks.put(source.name(), was.withMounts(r.mounts()));
            dirty = true;
        }
        setUnavailable(source, r.unavailable());
        return scan.without(r.unavailable().keySet());
    }

    /**
     * A scan of some paths of {@code source}: the remembered mount points those paths reach are looked at now;
     * returns the scan without the subtrees of those that are unavailable (and of those already unavailable:
     * only a full pass takes one back).
     */
    public ScanResult pathScan(SourceConfig source, Path root, Collection<String> paths, ScanResult scan) {
        SourceMarks m = marks.get(source.name());
        if (m == null || m.mounts().isEmpty()) {
            return scan;
        }
        Map<String, String> now = new TreeMap<>(unavailable.getOrDefault(source.name(), Map.of()));
        for (Map.Entry<String, SourceMarks.Mount> e : m.mounts().entrySet()) {
            String rel = e.getKey();
            if (!now.containsKey(rel) && paths.stream().anyMatch(p -> p.isEmpty() || p.equals(rel) || rel.startsWith(p + "/")
                    || p.startsWith(rel + "/"))) {
                probe(source, root, rel, e.getValue()).ifPresent(reason -> now.put(rel, reason));
            }
        }
        setUnavailable(source, now);
        return scan.without(now.keySet());
    }

    /**
     * Looks at every remembered mount point of {@code source} now (the service does, every poll): one that is
     * gone becomes unavailable (logged); returns whether one that was unavailable is mounted again (then a
     * full pass should take it back).
     */
    public boolean poll(SourceConfig source, Path root) {
        SourceMarks m = marks.get(source.name());
        if (m == null || m.mounts().isEmpty()) {
            return false;
        }
        Map<String, String> was = unavailable.getOrDefault(source.name(), Map.of());
        Map<String, String> now = new TreeMap<>();
        boolean back = false;
        for (Map.Entry<String, SourceMarks.Mount> e : m.mounts().entrySet()) {
            if (MountCheck.under(e.getKey(), now)) {
                continue;
            }
            Optional<String> reason = probe(source, root, e.getKey(), e.getValue());
            if (reason.isPresent()) {
                now.put(e.getKey(), reason.get());
            } else if (was.containsKey(e.getKey())) {
                back = true;
                now.put(e.getKey(), was.get(e.getKey())); // until the full pass takes it back
            }
        }
        setUnavailable(source, now);
        return back;
    }

    /** Why a remembered mount point is not mounted now, if it is not. */
    private Optional<String> probe(SourceConfig source, Path root, String rel, SourceMarks.Mount mount) {
        Path dir = BackupLayout.resolve(root, rel);
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.of("it is no longer a mount point (unmounted, or removed?)");
            }
            String device = fs.deviceOf(dir).orElse("");
            if (device.equals(fs.deviceOf(dir.getParent()).orElse(""))) {
                return Optional.of("it is no longer a mount point (unmounted, or removed?)");
            }
            if (mount.marker() && !hasMarker(source, root, rel)) {
                return Optional.of("its marker file is missing (another filesystem mounted there?)");
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot read it: " + e);
        }
    }

    private static boolean hasMarker(SourceConfig source, Path root, String rel) {
        return source.guard().markerFile()
                .map(name -> Files.exists(BackupLayout.resolve(root, rel).resolve(name), LinkOption.NOFOLLOW_LINKS)).orElse(false);
    }

    private void setUnavailable(SourceConfig source, Map<String, String> now) {
        Map<String, String> was = unavailable.getOrDefault(source.name(), Map.of());
        now.forEach((rel, reason) -> {
            if (!reason.equals(was.get(rel))) {
                log.error("Folder {}/{} is UNAVAILABLE: {}. Nothing under it is treated as deleted; it is backed up again once "
                        + "it is back (if it is gone for good: `keepwatch once --accept-deletions {}`).", source.name(), rel, reason,
                        source.name());
            }
        });
        was.keySet().stream().filter(rel -> !now.containsKey(rel))
                .forEach(rel -> log.info("Folder {}/{} is back at {}", source.name(), rel, BackupLayout.resolve(source.path(), rel)));
        if (now.isEmpty()) {
            unavailable.remove(source.name());
        } else {
            unavailable.put(source.name(), Map.copyOf(now));
        }
    }

    /** The folders of {@code source} that are unavailable now (unmounted mount points), with the reason. */
    public Map<String, String> unavailable(String source) {
        return new TreeMap<>(unavailable.getOrDefault(source, Map.of()));
    }

    /**
     * Which of the paths a pass found gone it may archive-delete ({@link HeldDeletions}). When they are not held,
     * the source folder's identity is remembered as it is now.
     */
    public List<String> deletable(String source, boolean fullPass, int tracked, List<String> gone, Collection<String> present,
            SourceConfig config, boolean accepted, String rootKey, boolean rootReplaced) {
        List<String> out = fullPass
                ? holds.fullPass(source, tracked, gone, config.guard(), accepted, rootReplaced)
                : holds.pathPass(source, tracked, gone, present, config.guard(), rootReplaced);
        if (out.size() == gone.size()) {
            SourceMarks was = marks.getOrDefault(source, SourceMarks.NONE);
            if (!was.root().equals(rootKey)) {
                if (rootReplaced) {
                    log.warn("Source {}: '{}' is another folder than the one backed up (it was replaced), but nothing backed "
                            + "up is missing from it; it is taken as the source from now on", source, config.path());
                }
                marks.put(source, was.withRoot(rootKey));
                dirty = true;
            }
        }
        return out;
    }

    public HeldDeletions holds() {
        return holds;
    }

    /** Writes guard.json if anything remembered changed. */
    public void save() throws IOException {
        if (dirty) {
            GuardFile.write(fs, file, marks);
            dirty = false;
        }
    }
}
