package io.keepwatch.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real directory-watcher over a real temp folder, driven as the service drives it. */
class SourceWatcherTest {
    @TempDir
    Path tmp;

    @Test
    void theSourceIsWalkedOnceToRegisterAndEveryFolderIsWatched() throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("a/b/c"));
        Files.createDirectories(src.resolve("d"));
        Files.writeString(src.resolve("a/b/c/deep.txt"), "x");
        SourceConfig source = new SourceConfig("src", src);
        WatchFilter filter = new WatchFilter(source, src, ExcludeRules.none());
        PrunedTreeVisitor visitor = new PrunedTreeVisitor(filter);
        ChangeQueue queue = new ChangeQueue(1000);
        ExecutorService executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-watch");
            t.setDaemon(true);
            return t;
        });
        try (SourceWatcher watcher = SourceWatcher.start(source, filter, queue, executor, visitor)) {
            assertEquals(1, visitor.wholeSourceWalks(), "only the walk that registers folders");
            assertEquals(1, visitor.skippedNotingWalks(), "directory-watcher's folder-noting walk was not made");
            assertEquals(5, watcher.folders());
            if (PrunedTreeVisitor.LINK_COUNT_FILE_SYSTEMS.contains(Files.getFileStore(src).type())) {
                // a/b/c and d have no subfolders: watched, not listed. Their changes below are still reported.
                assertEquals(2, visitor.lastWalkUnlisted(), "folders without subfolders watched, not listed");
            }

            // Every folder is watched, the deepest too, and a new folder's files are reported (d/new is made in a
            // folder that had no subfolder when it was watched).
            Files.writeString(src.resolve("a/b/c/deep.txt"), "changed");
            Files.createDirectories(src.resolve("d/new"));
            Files.writeString(src.resolve("d/new/inside.txt"), "new");
            Set<String> seen = new HashSet<>();
            Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
            while (!seen.containsAll(Set.of("a/b/c/deep.txt", "d/new/inside.txt")) && Instant.now().isBefore(deadline)) {
                queue.await(Duration.ofMillis(200)).paths().forEach(p -> seen.add(p.rel()));
            }
            assertTrue(seen.containsAll(Set.of("a/b/c/deep.txt", "d/new/inside.txt")), seen.toString());
        } finally {
            executor.shutdownNow();
        }
    }
}
