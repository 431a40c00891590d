package io.keepwatch.state;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The past of one path: its old versions (oldest first) and its deletions (oldest first).
 *
 * @param lastVersion the highest version number ever used for this path; numbers are never reused, even
 *     after retention removed the version
 */
public record PathHistory(int lastVersion, List<VersionRecord> versions, List<DeletionRecord> deletions) {
    public static final PathHistory EMPTY = new PathHistory(0, List.of(), List.of());

    public PathHistory {
        versions = List.copyOf(versions);
        deletions = List.copyOf(deletions);
    }

    public PathHistory withVersion(VersionRecord v) {
        List<VersionRecord> vs = new ArrayList<>(versions);
        vs.add(v);
        return new PathHistory(Math.max(lastVersion, v.n()), vs, deletions);
    }

    public PathHistory withLastVersion(int n) {
        return new PathHistory(Math.max(lastVersion, n), versions, deletions);
    }

    public PathHistory withDeletion(DeletionRecord d) {
        List<DeletionRecord> ds = new ArrayList<>(deletions);
        ds.add(d);
        return new PathHistory(lastVersion, versions, ds);
    }

    public PathHistory withoutVersions(Predicate<VersionRecord> remove) {
        return new PathHistory(lastVersion, versions.stream().filter(remove.negate()).toList(), deletions);
    }

    public PathHistory withoutDeletions(Predicate<DeletionRecord> remove) {
        return new PathHistory(lastVersion, versions, deletions.stream().filter(remove.negate()).toList());
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isEmpty() {
        return lastVersion == 0 && versions.isEmpty() && deletions.isEmpty();
    }
}
