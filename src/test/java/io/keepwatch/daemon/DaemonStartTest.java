package io.keepwatch.daemon;

import static io.keepwatch.daemon.Harness.DEADLINE;
import static io.keepwatch.daemon.Harness.read;
import static io.keepwatch.daemon.Harness.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Trigger;
import io.keepwatch.fs.Fs;
import io.keepwatch.testing.ForwardingFs;
import io.keepwatch.testing.LogCapture;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's start-up from the metadata index: a restart over a source that did not change is Ready without
 * loading state.json, which then loads in the background; changes made right after Ready, or while the state is
 * still loading, are backed up; a start whose scan differs from the index, or without a current index, reconciles
 * with full passes as before.
 */
class DaemonStartTest {
    private static final String BY_INDEX = "state loads after Ready";
    private static final String FULL_PASS = "Start-up reconciliation of src: Run complete";

    @TempDir
    Path tmp;

    /** A first run that backs up the files and stops, leaving a state.json and its current metadata index. */
    private void firstRun() throws Exception {
        try (Harness h = Harness.start(tmp, "a.txt", "alpha", "d/b.txt", "beta")) {
            assertEquals("alpha", read(h.copy("a.txt")));
        }
    }

    @Test
    void aRestartWithNothingChangedIsReadyFromTheIndexAndAChangeRightAfterReadyIsBackedUp() throws Exception {
        firstRun();
        try (LogCapture logs = new LogCapture(); Harness h = Harness.start(tmp)) {
            assertTrue(logs.has(BY_INDEX), String.join("\n", logs.lines()));
            assertTrue(logs.has("Start-up reconciliation: Run complete: 0 backed up, 0 updated, 0 duplicates, 0 deleted, 2 unchanged"),
                    String.join("\n", logs.lines()));
            assertFalse(logs.has(FULL_PASS));
            // The listeners heard the start-up pass, as after a full one.
            assertTrue(h.heard.of(EngineEvent.PassFinished.class).stream().anyMatch(p -> p.trigger() == Trigger.STARTUP
                    && p.counts().unchanged() == 2));
            assertEquals(2L, h.status().counts().get("unchanged"), "the status counts the start-up pass");
            write(h.src, "a.txt", "alpha, edited");
            write(h.src, "c.txt", "new");
            await().atMost(DEADLINE).untilAsserted(() -> {
                h.checkAlive();
                assertEquals("alpha, edited", read(h.copy("a.txt")));
                assertEquals("new", read(h.copy("c.txt")));
            });
            assertEquals("alpha", read(h.backup.resolve("versions/src/a.txt/v1.bak")));
            await().atMost(DEADLINE).until(() -> logs.has("State loaded in"));
        }
        // The commits of so small a state write state.json whole, and its index with it: the next start is Ready from it.
        try (LogCapture logs = new LogCapture(); Harness h = Harness.start(tmp)) {
            assertTrue(logs.has(BY_INDEX), String.join("\n", logs.lines()));
            assertTrue(logs.has("3 unchanged"), String.join("\n", logs.lines()));
        }
    }

    /**
     * A commit that appends to the change log leaves the metadata index behind (it names state.json and the log's last
     * entry); a service left so at its stop starts by loading state.json. An idle service brings the index up to date
     * after {@code indexIdle}, so the next start is Ready from it again.
     */
    @Test
    void anIdleServiceBringsAnIndexItsCommitsLeftBehindUpToDateAndTheNextStartIsReadyFromIt() throws Exception {
        // Enough files that the commit of one change appends to the change log instead of writing state.json whole.
        String[] files = new String[2 * 300];
        for (int i = 0; i < 300; i++) {
            files[2 * i] = "f" + i + ".txt";
            files[2 * i + 1] = "content " + i;
        }
        try (Harness h = Harness.start(tmp, files)) {
            assertEquals("content 7", read(h.copy("f7.txt")));
        }
        Path stateJson = tmp.resolve("backup/state.json");
        byte[] whole = Files.readAllBytes(stateJson);
        // A service that does not bring the index up to date while it runs (a day of idleness first).
        try (LogCapture logs = new LogCapture();
                Harness h = Harness.start(tmp, "./backup", "", w -> w, t -> t.withIndexIdle(java.time.Duration.ofDays(1)))) {
            assertTrue(logs.has(BY_INDEX), String.join("\n", logs.lines()));
            write(h.src, "f1.txt", "edited once");
            await().atMost(DEADLINE).untilAsserted(() -> assertEquals("edited once", read(h.copy("f1.txt"))));
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(whole, Files.readAllBytes(stateJson),
                "the change went to the change log, state.json was not written whole");
        try (LogCapture logs = new LogCapture();
                Harness h = Harness.start(tmp, "./backup", "", w -> w, t -> t.withIndexIdle(java.time.Duration.ofMillis(300)))) {
            assertFalse(logs.has(BY_INDEX), "the index was left behind: " + String.join("\n", logs.lines()));
            write(h.src, "f2.txt", "edited too");
            await().atMost(DEADLINE).untilAsserted(() -> assertEquals("edited too", read(h.copy("f2.txt"))));
            await().atMost(DEADLINE).until(() -> logs.has("Metadata index brought up to date"));
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(whole, Files.readAllBytes(stateJson), "still only appended");
        try (LogCapture logs = new LogCapture(); Harness h = Harness.start(tmp)) {
            assertTrue(logs.has(BY_INDEX), String.join("\n", logs.lines()));
            assertTrue(logs.has("300 unchanged"), String.join("\n", logs.lines()));
            assertEquals("edited once", read(h.copy("f1.txt")));
            assertEquals("edited too", read(h.copy("f2.txt")));
        }
    }

    @Test
    void aChangeMadeWhileTheStateIsStillLoadingIsNotLost() throws Exception {
        firstRun();
        CountDownLatch loadBegan = new CountDownLatch(1);
        CountDownLatch letLoad = new CountDownLatch(1);
        // state.json is read whole only by the background load (the index's check reads it at open, on the main thread).
        java.util.function.Function<Fs, Fs> holdTheLoad = fs -> new ForwardingFs(fs) {
            @Override
            public InputStream newInputStream(Path file) throws IOException {
                if (file.getFileName().toString().equals("state.json")
                        && Thread.currentThread().getName().equals("keepwatch-state-load")) {
                    loadBegan.countDown();
                    try {
                        letLoad.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("test interrupted");
                    }
                }
                return super.newInputStream(file);
            }
        };
        try (LogCapture logs = new LogCapture(); Harness h = Harness.start(tmp, holdTheLoad)) {
            assertTrue(logs.has(BY_INDEX), String.join("\n", logs.lines()));
            assertTrue(loadBegan.await(30, TimeUnit.SECONDS), "the state loads in the background after Ready");
            assertTrue(h.engine.isLoading());
            write(h.src, "d/b.txt", "beta, edited while the state loads");
            write(h.src, "e.txt", "made while the state loads");
            // The service stays responsive while it waits for the state: its status is published as always.
            assertTrue(h.status().running());
            letLoad.countDown();
            await().atMost(DEADLINE).untilAsserted(() -> {
                h.checkAlive();
                assertEquals("beta, edited while the state loads", read(h.copy("d/b.txt")));
                assertEquals("made while the state loads", read(h.copy("e.txt")));
            });
        } finally {
            letLoad.countDown();
        }
    }

    /**
     * Parsing a large state.json does not stop for an interrupt: the stop must not wait for it (on a million files it
     * would outlast the shutdown's grace period). Here the load's read never returns until the test lets it, interrupt
     * or not; the engine closes all the same, and the next start takes the lock.
     */
    @Test
    @org.junit.jupiter.api.Timeout(120)
    void aStopWhileTheStateIsLoadingDoesNotWaitForItSavesNothingAndReleasesTheLock() throws Exception {
        firstRun();
        byte[] state = Files.readAllBytes(tmp.resolve("backup/state.json"));
        CountDownLatch loadBegan = new CountDownLatch(1);
        CountDownLatch letLoad = new CountDownLatch(1);
        java.util.function.Function<Fs, Fs> slowLoad = fs -> new ForwardingFs(fs) {
            @Override
            public InputStream newInputStream(Path file) throws IOException {
                if (file.getFileName().toString().equals("state.json")
                        && Thread.currentThread().getName().equals("keepwatch-state-load")) {
                    loadBegan.countDown();
                    boolean interrupted = false;
                    while (letLoad.getCount() > 0) {
                        try {
                            letLoad.await();
                        } catch (InterruptedException e) {
                            interrupted = true; // as a parse would: it goes on
                        }
                    }
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.newInputStream(file);
            }
        };
        try {
            try (Harness h = Harness.start(tmp, slowLoad)) {
                assertTrue(loadBegan.await(30, TimeUnit.SECONDS));
            }
            assertEquals(new String(state, java.nio.charset.StandardCharsets.UTF_8),
                    Files.readString(tmp.resolve("backup/state.json")), "nothing to save: nothing changed");
            try (LogCapture logs = new LogCapture(); Harness again = Harness.start(tmp)) {
                assertTrue(logs.has(BY_INDEX), "the lock was released and the index is still current");
            }
        } finally {
            letLoad.countDown();
        }
    }

    @Test
    void aChangeWhileStoppedOrAMissingIndexFallsBackToTheFullPass() throws Exception {
        firstRun();
        write(tmp.resolve("src"), "d/b.txt", "beta, edited while stopped");
        try (LogCapture logs = new LogCapture(); Harness h = Harness.start(tmp)) {
            assertTrue(logs.has(FULL_PASS + ": 0 backed up, 1 updated"), String.join("\n", logs.lines()));
            assertTrue(logs.has("Start-up: state loaded in"), String.join("\n", logs.lines()));
            assertFalse(logs.has(BY_INDEX));
            assertEquals("beta, edited while stopped", read(h.copy("d/b.txt")));
        }
        Files.delete(new io.keepwatch.state.BackupLayout(tmp.resolve("backup")).indexFile());
        try (LogCapture logs = new LogCapture(); Harness h = Harness.start(tmp)) {
            assertTrue(logs.has(FULL_PASS + ": 0 backed up, 0 updated, 0 duplicates, 0 deleted, 2 unchanged"),
                    String.join("\n", logs.lines()));
            assertFalse(logs.has(BY_INDEX));
        }
    }
}
