package io.keepwatch.scan;

/**
 * What a whole-source scan waits on before it lists a folder: at the service's start the scan runs while the
 * source's watches are being registered, and it may read a folder only once that folder's watch is in place, so
 * that a change made while it runs is either seen by the scan or reported by the watch (never neither).
 */
@FunctionalInterface
public interface FolderGate {
    /** No waiting: every folder may be listed at once (a scan with no watch being registered beside it). */
    FolderGate OPEN = rel -> { };

    /**
     * Returns once the folder {@code rel} (relative to the source root, names joined with '/'; "" for the root)
     * may be listed: its watch is in place, or registering is over (what it passed over is read unwatched).
     */
    void awaitListable(String rel) throws InterruptedException;
}
