package io.keepwatch.watch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registration's progress as a scan beside it sees it, with real watches on a temp folder. */
class RegistrationTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aWaitReturnsWhenItsFolderIsWatchedNotBefore() throws Exception {
        Registration registration = new Registration();
        CompletableFuture<Void> wait = CompletableFuture.runAsync(() -> {
            try {
                registration.awaitListable("a/b");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(DEADLINE).until(() -> registration.waitingFor("a/b"));
        registration.watched("a");
        registration.watched("a/c");
        assertFalse(wait.isDone(), "other folders being watched do not let it through");
        registration.watched("a/b");
        wait.get();
        assertFalse(registration.waitingFor("a/b"));
    }

    @Test
    void theRealWalkTellsOfEveryFolderItWatches() throws Exception {
        Path root = tmp.resolve("src");
        for (String rel : List.of("a/b/c", "a/d", "e", "f g/h")) {
            Files.createDirectories(root.resolve(rel));
        }
        Files.writeString(root.resolve("a/b/c/x.txt"), "x");
        SourceConfig source = new SourceConfig("src", root);
        WatchFilter filter = new WatchFilter(source, root, ExcludeRules.compile(List.of()));
        Registration registration = new Registration();
        ExecutorService executor = Executors.newCachedThreadPool();
        // A scan waiting for each folder in turn, as the start-up scan does: every wait returns before registering ends.
        CompletableFuture<Void> waits = CompletableFuture.runAsync(() -> {
            try {
                for (String rel : List.of("", "a", "a/b", "a/b/c", "a/d", "e", "f g", "f g/h")) {
                    registration.awaitListable(rel);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        SourceWatcher w = SourceWatcher.start(source, filter, new ChangeQueue(100), executor, registration);
        try {
            waits.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS); // before registering is finished
            assertEquals(8, w.folders());
        } finally {
            w.close();
            registration.finished();
            executor.shutdownNow();
        }
    }
}
