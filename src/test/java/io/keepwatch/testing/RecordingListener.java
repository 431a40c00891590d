package io.keepwatch.testing;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import java.util.ArrayList;
import java.util.List;

/** Keeps every event it hears, in order (from any thread). */
public final class RecordingListener implements EngineListener {
    private final List<EngineEvent> events = new ArrayList<>();

    @Override
    public synchronized void on(EngineEvent event) {
        events.add(event);
    }

    public synchronized List<EngineEvent> events() {
        return List.copyOf(events);
    }

    public <T extends EngineEvent> List<T> of(Class<T> type) {
        return events().stream().filter(type::isInstance).map(type::cast).toList();
    }

    public synchronized void clear() {
        events.clear();
    }
}
