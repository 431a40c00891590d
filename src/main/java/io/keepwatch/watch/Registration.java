package io.keepwatch.watch;

import io.keepwatch.scan.FolderGate;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * How far the registration of a source's watches has come, folder by folder: the service's start-up scan runs
 * beside it and lists a folder only once its watch is in place ({@link #awaitListable}), so a change made while the
 * two run is seen by the scan, or reported by the watch, or both. {@link #finished} (registration over, whether it
 * succeeded or not) lets every wait return and forgets the folders; a folder the registration passed over (unreadable,
 * vanished) is then listed unwatched, as a scan after registering would. Safe from any thread.
 *
 * <p>The registering thread never waits here (no lock: a scan thread preempted while holding one would stall the
 * registration on a busy machine). A waiting scan is woken every {@link #WAKE_EVERY} folders watched, not for each:
 * it then lists the folders watched meanwhile in one go.
 */
public final class Registration implements FolderGate {
    /** Folders watched between two wake-ups of the waiting scans. */
    public static final int WAKE_EVERY = 32;

    /** Folders watched so far (relative to the root, "" for the root); emptied when registration is over. */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    /** The scan threads waiting, each with the folder it waits for. */
    private final Map<Thread, String> waiting = new ConcurrentHashMap<>();
    /** Folders watched, counted by the registering thread only. */
    private int count;
    private volatile boolean finished;

    /** The folder {@code rel}'s watch is in place (called by the registering walk right after it registered it). */
    public void watched(String rel) {
        if (finished) {
            return;
        }
        watched.add(rel);
        // A scan that starts waiting after the look below finds rel in the set: it adds itself, then looks.
        if (++count % WAKE_EVERY == 0 && !waiting.isEmpty()) {
            waiting.keySet().forEach(LockSupport::unpark);
        }
    }

    /** Registering is over (every folder it could register is watched, or it failed): no scan waits any more. */
    public void finished() {
        finished = true;
        waiting.keySet().forEach(LockSupport::unpark);
        watched.clear();
    }

    /** Whether a scan waits now for the folder {@code rel}'s watch (what a test waits for before it acts). */
    public boolean waitingFor(String rel) {
        return waiting.containsValue(rel);
    }

    @Override
    public void awaitListable(String rel) throws InterruptedException {
        if (finished || watched.contains(rel)) {
            return;
        }
        Thread me = Thread.currentThread();
        waiting.put(me, rel);
        try {
            // The registering thread wakes this one every WAKE_EVERY folders and when it finishes; then it looks again.
            while (!finished && !watched.contains(rel)) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    throw new InterruptedException("the scan was cancelled while it waited for the watch of " + rel);
                }
            }
        } finally {
            waiting.remove(me);
        }
    }
}
