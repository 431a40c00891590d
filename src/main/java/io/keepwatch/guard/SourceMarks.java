package io.keepwatch.guard;

import java.util.Map;
import java.util.TreeMap;

/**
 * What tells a source's folder and the filesystems mounted inside it from what an unmount or a new folder
 * leaves in their place, as {@code .keepwatch/guard.json} keeps it per source.
 *
 * @param root the identity (file key: device and inode) of the source folder when it was last backed up; "" if none
 * @param mounts the mount points inside the source by relative path
 */
public record SourceMarks(String root, Map<String, Mount> mounts) {
    public static final SourceMarks NONE = new SourceMarks("", Map.of());

    public SourceMarks {
        mounts = java.util.Collections.unmodifiableMap(new TreeMap<>(mounts));
    }

    /**
     * A mount point: a folder on another device than the folder holding it.
     *
     * @param device its device when last seen
     * @param marker whether it held the source's marker file then (it must hold it to count as mounted)
     */
    public record Mount(String device, boolean marker) {
    }

    public SourceMarks withRoot(String newRoot) {
        return new SourceMarks(newRoot, mounts);
    }

    public SourceMarks withMounts(Map<String, Mount> newMounts) {
        return new SourceMarks(root, newMounts);
    }

    /** The mount points with their devices only, as a scan reports them. */
    public Map<String, String> devices() {
        Map<String, String> out = new TreeMap<>();
        mounts.forEach((rel, m) -> out.put(rel, m.device()));
        return out;
    }
}
