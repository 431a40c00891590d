package io.keepwatch.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one engine or service, called in order. Each is isolated: one that throws is logged (at WARN the
 * first time, with the exception; at DEBUG after that) and the others, and the backup, go on as if nothing happened.
 * Safe to call from several threads if the listeners are.
 */
public final class Listeners implements EngineListener {
    private static final Logger log = LoggerFactory.getLogger(Listeners.class);

    private final List<EngineListener> listeners;
    private final Set<EngineListener> failedOnce = ConcurrentHashMap.newKeySet();

    private Listeners(List<EngineListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    public static EngineListener of(EngineListener... listeners) {
        return of(List.of(listeners));
    }

    /** The listeners as one; an {@link Listeners} among them is flattened (no double isolation). */
    public static EngineListener of(List<EngineListener> listeners) {
        List<EngineListener> flat = new ArrayList<>();
        for (EngineListener l : listeners) {
            if (l instanceof Listeners many) {
                flat.addAll(many.listeners);
            } else if (l != EngineListener.NONE) {
                flat.add(l);
            }
        }
        return new Listeners(flat);
    }

    @Override
    public void on(EngineEvent event) {
        for (EngineListener l : listeners) {
            try {
                l.on(event);
            } catch (RuntimeException | LinkageError e) {
                if (failedOnce.add(l)) {
                    log.warn("An event listener ({}) failed on {}; the backup goes on, and later failures of this listener "
                            + "are logged at DEBUG only", l, event.getClass().getSimpleName(), e);
                } else {
                    log.debug("Event listener {} failed on {}: {}", l, event, e.toString());
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Listeners" + listeners;
    }
}
