/**
 * Native filesystem events turned into "look at this path again": one watch per source, chosen by
 * {@link io.keepwatch.watch.DirectoryWatchers}: on 64-bit Linux an {@link io.keepwatch.watch.InotifyWatcher}
 * (inotify called directly through JNA, {@link io.keepwatch.watch.Inotify}), elsewhere or as the fallback a
 * {@link io.keepwatch.watch.SourceWatcher} (directory-watcher with hashing off, on an executor of its own); both
 * register through the same {@link io.keepwatch.watch.PrunedTreeVisitor} walk, pruned at the backup root, the log
 * folder and excluded folders, and filter their events again. A bounded
 * {@link io.keepwatch.watch.ChangeQueue} that its threads only ever offer to (a full queue, an overflow,
 * any watcher error or a watcher that ends become a per-source signal, never a blocked thread), and the pure,
 * clock-driven {@link io.keepwatch.watch.Debouncer} that says when a path has been quiet long enough.
 * Nothing here decides what to back up: the engine does, from the file as it is on disk.
 */
package io.keepwatch.watch;
