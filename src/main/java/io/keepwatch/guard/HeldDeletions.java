package io.keepwatch.guard;

import io.keepwatch.config.GuardConfig;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deletions held per source, as the last passes decided ({@link DeletionLimit}). A full pass decides on
 * everything it found gone and replaces what was held; a pass over some paths (the service's batches) adds
 * what it holds and lets go of paths it saw again. Nothing is stored: the next full pass (every start) finds
 * the same files gone and holds them again, until they come back or are accepted. A change of the count is
 * logged once (WARN), not at every pass. Used from the engine's thread only.
 */
public final class HeldDeletions {
    private static final Logger log = LoggerFactory.getLogger(HeldDeletions.class);

    private final Map<String, Set<String>> held = new HashMap<>();
    private final Map<String, String> reasons = new HashMap<>();
    private final Map<String, Integer> logged = new HashMap<>();

    /**
     * A full pass of {@code source} found {@code absent} gone: returns the paths it may archive-delete (all of
     * them, or none when they are held).
     */
    public List<String> fullPass(String source, int tracked, List<String> absent, GuardConfig limits, boolean accepted,
            boolean rootReplaced) {
        DeletionLimit.Decision d = DeletionLimit.decide(tracked, absent.size(), limits, accepted, rootReplaced);
        if (d.hold()) {
            held.put(source, new HashSet<>(absent));
            reasons.put(source, d.why());
            report(source);
            return List.of();
        }
        held.remove(source);
        reasons.remove(source);
        if (accepted && !absent.isEmpty()) {
            log.info("Deletions accepted for {}: {} file(s) gone from it are moved to _deleted/", source, absent.size());
            logged.put(source, 0);
        }
        report(source);
        return absent;
    }

    /**
     * A pass over some paths of {@code source} found {@code absent} gone and {@code present} there: returns the
     * paths it may archive-delete. Held paths it saw there, or deletes now, are no longer held.
     */
    public List<String> pathPass(String source, int tracked, List<String> absent, Collection<String> present, GuardConfig limits,
            boolean rootReplaced) {
        DeletionLimit.Decision d = DeletionLimit.decide(tracked, absent.size(), limits, false, rootReplaced);
        Set<String> set = held.get(source);
        if (set != null) {
            present.forEach(set::remove);
            if (!d.hold()) {
                absent.forEach(set::remove);
            }
        }
        if (d.hold()) {
            held.computeIfAbsent(source, s -> new HashSet<>()).addAll(absent);
            reasons.put(source, d.why());
        } else if (set != null && set.isEmpty()) {
            held.remove(source);
            reasons.remove(source);
        }
        report(source);
        return d.hold() ? List.of() : absent;
    }

    /** How many deletions of {@code source} are held now. */
    public int count(String source) {
        Set<String> set = held.get(source);
        return set == null ? 0 : set.size();
    }

    /** Why the deletions of {@code source} are held, if they are. */
    public Optional<String> reason(String source) {
        return count(source) == 0 ? Optional.empty() : Optional.ofNullable(reasons.get(source));
    }

    private void report(String source) {
        int n = count(source);
        int before = logged.getOrDefault(source, 0);
        if (n == before) {
            return;
        }
        logged.put(source, n);
        if (n > 0) {
            log.warn("HELD: {} deletion(s) in {}: {}. Nothing of them is moved to _deleted/; the rest is backed up as usual. "
                    + "If those files were really deleted, release them with `keepwatch once --accept-deletions {}`",
                    n, source, reasons.get(source), source);
        } else {
            log.info("No deletions held in {} any more", source);
        }
    }
}
