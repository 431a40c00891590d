package io.keepwatch.watch;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Per-key debouncing driven by the instants it is given (no clock, no threads): a key is ready once it has
 * been quiet for {@code debounce}, or once {@code maxDelay} has passed since its first pending touch, so a
 * file that never stops changing is still processed regularly. Taking a key forgets it; the next touch
 * starts a new period. Not thread-safe: the service's engine thread owns it.
 */
public final class Debouncer<K> {
    private final Duration debounce;
    private final Duration maxDelay;
    /** Pending keys in the order of their last touch. */
    private final LinkedHashMap<K, Pending> pending = new LinkedHashMap<>();

    private record Pending(Instant first, Instant last) {
    }

    public Debouncer(Duration debounce, Duration maxDelay) {
        if (debounce.isNegative() || maxDelay.compareTo(debounce) < 0) {
            throw new IllegalArgumentException("need 0 <= debounce (" + debounce + ") <= maxDelay (" + maxDelay + ")");
        }
        this.debounce = debounce;
        this.maxDelay = maxDelay;
    }

    /** Records a change of {@code key} at {@code now}. */
    public void touch(K key, Instant now) {
        Pending old = pending.remove(key);
        pending.put(key, new Pending(old == null ? now : old.first(), now));
    }

    /** Removes and returns every key that is ready at {@code now}, in the order of their last touch. */
    public List<K> takeReady(Instant now) {
        List<K> ready = new ArrayList<>();
        for (Iterator<Map.Entry<K, Pending>> it = pending.entrySet().iterator(); it.hasNext();) {
            Map.Entry<K, Pending> e = it.next();
            if (!readyAt(e.getValue()).isAfter(now)) {
                ready.add(e.getKey());
                it.remove();
            }
        }
        return ready;
    }

    /** The earliest instant at which some key becomes ready; empty when nothing is pending. */
    public Optional<Instant> nextReady() {
        Instant min = null;
        for (Pending p : pending.values()) {
            Instant at = readyAt(p);
            if (min == null || at.isBefore(min)) {
                min = at;
            }
        }
        return Optional.ofNullable(min);
    }

    /** Forgets the pending keys that match (e.g. everything of a source that a full pass will cover). */
    public void forget(Predicate<K> which) {
        pending.keySet().removeIf(which);
    }

    public int size() {
        return pending.size();
    }

    private Instant readyAt(Pending p) {
        Instant quiet = p.last().plus(debounce);
        Instant latest = p.first().plus(maxDelay);
        return quiet.isBefore(latest) ? quiet : latest;
    }
}
