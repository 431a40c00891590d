package io.keepwatch.watch;

import io.methvin.watcher.visitor.FileTreeVisitor;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * directory-watcher's tree walk (to register folders and to report the files of a new folder), pruned at
 * the folders {@link WatchFilter} skips. Links are not followed. A folder that vanishes during the walk is
 * passed over; one that cannot be read is logged and passed over (the scanner reports it on every pass).
 * Failures of the callbacks themselves, such as the inotify watch limit, are passed on.
 */
final class PrunedTreeVisitor implements FileTreeVisitor {
    private static final Logger log = LoggerFactory.getLogger(PrunedTreeVisitor.class);

    private final WatchFilter filter;
    private final AtomicInteger rootWalkFolders = new AtomicInteger();

    PrunedTreeVisitor(WatchFilter filter) {
        this.filter = filter;
    }

    /** Folders found by the latest walk of the whole source (what is watched right after registering). */
    int rootWalkFolders() {
        return rootWalkFolders.get();
    }

    @Override
    public void recursiveVisitFiles(Path start, Callback onDirectory, Callback onFile) throws IOException {
        if (filter.skipsFolder(start)) {
            return;
        }
        boolean wholeSource = start.equals(filter.root());
        int[] folders = {0};
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(start) && filter.skipsFolder(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                onDirectory.call(dir);
                folders[0]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (filter.relOf(file).isPresent()) {
                    onFile.call(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                if (e instanceof NoSuchFileException) {
                    log.debug("{} vanished while being registered for watching", file);
                } else {
                    log.warn("Cannot watch {}: {} (its files are still backed up by every full pass)", file, e.toString());
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (wholeSource) {
            rootWalkFolders.set(folders[0]);
        }
    }
}
