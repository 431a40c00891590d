package io.keepwatch.watch;

import io.keepwatch.scan.FolderGate;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far the registration of a source's watches has come, folder by folder: the service's start-up scan runs
 * beside it and lists a folder only once its watch is in place ({@link #awaitListable}), so a change made while the
 * two run is seen by the scan, or reported by the watch, or both. {@link #finished} (registration over, whether it
 * succeeded or not) lets every wait return and forgets the folders; a folder the registration passed over (unreadable,
 * vanished) is then listed unwatched, as a scan after registering would. Safe from any thread.
 */
public final class Registration implements FolderGate {
    /** Folders watched so far (relative to the root, "" for the root); emptied when registration is over. */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    private final Object lock = new Object();
    /** The folders scans are waiting for; guarded by {@link #lock}. */
    private final Set<String> wanted = new HashSet<>();
    /** How many scans wait (written under the lock, read by the registering thread without it). */
    private volatile int waiting;
    private volatile boolean finished;

    /** The folder {@code rel}'s watch is in place (called by the registering walk right after it registered it). */
    public void watched(String rel) {
        if (finished) {
            return;
        }
        watched.add(rel);
        // A scan that starts waiting after the read below finds rel in the set (it adds itself first, then looks).
        if (waiting > 0) {
            synchronized (lock) {
                if (wanted.contains(rel)) {
                    lock.notifyAll();
                }
            }
        }
    }

    /** Registering is over (every folder it could register is watched, or it failed): no scan waits any more. */
    public void finished() {
        synchronized (lock) {
            finished = true;
            lock.notifyAll();
        }
        watched.clear();
    }

    /** Whether a scan waits now for the folder {@code rel}'s watch (what a test waits for before it acts). */
    public boolean waitingFor(String rel) {
        synchronized (lock) {
            return wanted.contains(rel);
        }
    }

    @Override
    public void awaitListable(String rel) throws InterruptedException {
        if (finished || watched.contains(rel)) {
            return;
        }
        synchronized (lock) {
            waiting++;
            wanted.add(rel);
            try {
                while (!finished && !watched.contains(rel)) {
                    lock.wait();
                }
            } finally {
                wanted.remove(rel);
                waiting--;
            }
        }
    }
}
