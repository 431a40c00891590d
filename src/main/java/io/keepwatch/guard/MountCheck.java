package io.keepwatch.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Compares the mount points a full scan found inside a source with those remembered: a pure function, tested
 * table-style. A remembered mount point the scan did not find as one (the folder is gone, or is now on the
 * device of the folder holding it: what an unmount leaves), or that lost the marker file it had, is
 * unavailable, and nothing under it may be taken as deleted; unless the user accepted the source's
 * deletions, which forgets it. A mount point on a new device is the filesystem mounted again (tmpfs, NFS and
 * FUSE get a new number at every mount); a new one is remembered.
 */
public final class MountCheck {
    private MountCheck() {
    }

    /**
     * @param mounts what to remember now
     * @param unavailable the unavailable mount points, with the reason (none nested in another)
     * @param notes one line per change, for the log: found, mounted again, forgotten
     */
    public record Result(Map<String, SourceMarks.Mount> mounts, Map<String, String> unavailable, List<String> notes) {
    }

    /**
     * @param remembered the mount points remembered for the source
     * @param seen the mount points the scan found, with their device
     * @param skipped paths the scan passes over (excluded, keepwatch's own, or unreadable): not judged
     * @param hasMarker whether a folder holds the marker file now (always false without a marker file)
     * @param accepted the user accepted the source's deletions: mount points that are gone are forgotten
     */
    public static Result check(Map<String, SourceMarks.Mount> remembered, Map<String, String> seen, Predicate<String> skipped,
            Predicate<String> hasMarker, boolean accepted) {
        Map<String, SourceMarks.Mount> next = new TreeMap<>();
        Map<String, String> unavailable = new TreeMap<>();
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, SourceMarks.Mount> e : new TreeMap<>(remembered).entrySet()) {
            String rel = e.getKey();
            SourceMarks.Mount m = e.getValue();
            if (skipped.test(rel) || under(rel, unavailable)) {
                next.put(rel, m);
                continue;
            }
            String device = seen.get(rel);
            String reason = device == null ? "it is no longer a mount point (unmounted, or removed?)"
                    : m.marker() && !hasMarker.test(rel) ? "its marker file is missing (another filesystem mounted there?)" : null;
            if (reason != null) {
                if (accepted) {
                    notes.add("mount point " + rel + " forgotten (deletions accepted): " + reason);
                } else {
                    unavailable.put(rel, reason);
                    next.put(rel, m);
                }
                continue;
            }
            if (!device.equals(m.device())) {
                notes.add("mount point " + rel + " is on device " + device + " (was " + m.device() + "): taken as mounted again");
            }
            next.put(rel, new SourceMarks.Mount(device, m.marker()));
        }
        for (Map.Entry<String, String> e : seen.entrySet()) {
            if (!next.containsKey(e.getKey())) {
                next.put(e.getKey(), new SourceMarks.Mount(e.getValue(), hasMarker.test(e.getKey())));
                notes.add("mount point " + e.getKey() + " found (device " + e.getValue() + ")");
            }
        }
        return new Result(next, unavailable, notes);
    }

    /** Whether {@code rel} lies strictly inside one of {@code folders}. */
    static boolean under(String rel, Map<String, ?> folders) {
        for (int slash = rel.indexOf('/'); slash > 0; slash = rel.indexOf('/', slash + 1)) {
            if (folders.containsKey(rel.substring(0, slash))) {
                return true;
            }
        }
        return false;
    }
}
