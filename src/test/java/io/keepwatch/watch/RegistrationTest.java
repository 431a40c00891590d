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
        for (int i = 3; i <= Registration.WAKE_EVERY; i++) {
            registration.watched("other/" + i); // a wake-up: the wait looks, and goes on waiting
        }
        await().atMost(DEADLINE).until(() -> registration.waitingFor("a/b"));
        assertFalse(wait.isDone(), "other folders being watched do not let it through");
        registration.watched("a/b");
        for (int i = 1; i < Registration.WAKE_EVERY; i++) {
            registration.watched("more/" + i); // up to the next wake-up
        }
        wait.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        assertFalse(registration.waitingFor("a/b"));
    }

    @Test
    void finishingLetsEveryWaitThroughAndAWaitAfterwardsDoesNotWait() throws Exception {
        Registration registration = new Registration();
        CompletableFuture<Void> wait = CompletableFuture.runAsync(() -> {
            try {
                registration.awaitListable("never/watched");
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(DEADLINE).until(() -> registration.waitingFor("never/watched"));
        registration.finished();
        wait.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        registration.awaitListable("anything"); // returns at once
    }

    @Test
    void theRealWalkTellsOfEveryFolderItWatches() throws Exception {
        // Twice WAKE_EVERY folders (the root and these), so the last one watched ends in a wake-up, as the walk goes.
        Path root = tmp.resolve("src");
        List<String> folders = new java.util.ArrayList<>(List.of("", "deep"));
        for (int i = 1; i <= 2 * Registration.WAKE_EVERY - 2; i++) {
            folders.add("deep/" + i);
        }
        for (String rel : folders) {
            Files.createDirectories(root.resolve(rel));
        }
        Files.writeString(root.resolve("deep/x.txt"), "x");
        SourceConfig source = new SourceConfig("src", root);
        WatchFilter filter = new WatchFilter(source, root, ExcludeRules.compile(List.of()));
        Registration registration = new Registration();
        ExecutorService executor = Executors.newCachedThreadPool();
        // A scan waiting for each folder in turn, as the start-up scan does: every wait returns before registering ends.
        CompletableFuture<Void> waits = CompletableFuture.runAsync(() -> {
            try {
                for (String rel : folders) {
                    registration.awaitListable(rel);
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        SourceWatcher w = SourceWatcher.start(source, filter, new ChangeQueue(100), executor, registration);
        try {
            waits.get(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS); // before registering is finished
            assertEquals(2 * Registration.WAKE_EVERY, w.folders());
        } finally {
            w.close();
            registration.finished();
            executor.shutdownNow();
        }
    }
}
