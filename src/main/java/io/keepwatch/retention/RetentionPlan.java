package io.keepwatch.retention;

import io.keepwatch.plan.Action;
import java.util.List;

/**
 * What retention decided over a set of sources: a verdict per old version and deleted file (in source, path order),
 * and the warnings of size limits it could not meet.
 */
public record RetentionPlan(List<Verdict> verdicts, List<String> warnings) {
    public RetentionPlan {
        verdicts = List.copyOf(verdicts);
        warnings = List.copyOf(warnings);
    }

    /** The removals, as actions for the executor. */
    public List<Action> removals() {
        return verdicts.stream().filter(v -> !v.keep()).map(Verdict::toAction).toList();
    }

    /** The bytes the removals free (what the files take, as the state records their sizes). */
    public long bytesFreed() {
        return verdicts.stream().filter(v -> !v.keep()).mapToLong(v -> v.item().size()).sum();
    }

    public long versions() {
        return verdicts.stream().filter(v -> v.item() instanceof Verdict.Version).count();
    }

    public long versionsRemoved() {
        return verdicts.stream().filter(v -> !v.keep() && v.item() instanceof Verdict.Version).count();
    }

    /**
     * Whether this plan removes more than half of all old versions at once: after a change of the policy, that
     * waits for the user's word ({@code --accept-retention}).
     */
    public boolean removesMostVersions() {
        return versionsRemoved() * 2 > versions();
    }
}
