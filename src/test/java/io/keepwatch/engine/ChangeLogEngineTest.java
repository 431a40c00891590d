package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.config.WatchConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The state committer on jimfs: commits append to the change log; state.json is written whole only by its policy. */
class ChangeLogEngineTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private MutableClock clock;
    private FaultyFs fs;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new FaultyFs(new RealFs(false, ms -> { }));
        for (int i = 0; i < 20; i++) {
            write(src.resolve("f" + i + ".txt"), "file " + i);
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private Config config(int rewritePercent) {
        WatchConfig w = WatchConfig.defaults();
        return new Config(jimfs.getPath("/etc/config.json"), List.of(new SourceConfig("src", src)), backup,
                jimfs.getPath("/etc/logs"), HashAlgorithm.SHA256, RetentionConfig.defaults(), List.of(),
                new WatchConfig(w.debounce(), w.maxDelay(), w.stateFlush(), w.rescanInterval(), w.queueCapacity(),
                        rewritePercent, Duration.ofHours(1)));
    }

    private BackupState loaded() throws Exception {
        return new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow();
    }

    private Path changes() {
        return new BackupLayout(backup).changesDir();
    }

    private List<Path> segments() throws IOException {
        if (!Files.isDirectory(changes())) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(changes())) {
            return s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    @Test
    void aCommitAppendsTheChangedRecordsAndLeavesStateJsonAsItWas() throws Exception {
        Config config = config(25);
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        byte[] whole = Files.readAllBytes(backup.resolve("state.json"));
        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("f3.txt"), "changed");
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        assertArrayEquals(whole, Files.readAllBytes(backup.resolve("state.json")), "one change of 20 files: state.json as it was");
        assertEquals(1, segments().size());
        BackupState s = loaded();
        assertEquals(1, s.history(new FileRef("src", "f3.txt")).versions().size());
        assertEquals(20, s.liveCount("src"));
        assertEquals("changed", read(backup.resolve("src/f3.txt")));
        // the next pass starts from state.json and the log, and finds nothing to do (the index includes the log)
        PassResult again = Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        assertEquals("0 backed up, 0 updated, 0 duplicates, 0 deleted, 20 unchanged, 0 failed", again.counts().summary());
        assertArrayEquals(whole, Files.readAllBytes(backup.resolve("state.json")));
    }

    @Test
    void theServiceFlushAppendsAndTheLogPastItsShareRewritesStateJson() throws Exception {
        Config config = config(25);
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        byte[] whole = Files.readAllBytes(backup.resolve("state.json"));
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            int edits = 0;
            while (Files.exists(backup.resolve("state.json")) && java.util.Arrays.equals(whole, Files.readAllBytes(backup.resolve("state.json")))) {
                assertTrue(edits < 200, "state.json was never rewritten");
                clock.advance(Duration.ofSeconds(3));
                write(src.resolve("f1.txt"), "edit " + edits++);
                e.runPaths("src", List.of("f1.txt"));
                assertTrue(e.hasUncommittedChanges());
                e.flushIfDue(clock.instant());
                assertFalse(e.hasUncommittedChanges());
            }
            assertTrue(edits > 1, "the first edits were appended, not rewritten: " + edits);
            assertEquals(List.of(), segments(), "the rewrite dropped the log it includes");
            assertEquals(edits, loaded().history(new FileRef("src", "f1.txt")).versions().size());
        }
    }

    @Test
    void aRegisteredConsumerKeepsTheEntriesItHasNotAcknowledged() throws Exception {
        Config config = config(25);
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        StateStore store = new StateStore(new BackupLayout(backup), fs, clock);
        long start = store.cursors().register("replica");
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            write(src.resolve("f2.txt"), "v" + i);
            Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        }
        List<io.keepwatch.state.ChangeLog.Entry> feed = store.changes().readAfter(start);
        assertEquals(3, feed.size());
        // a rewrite (every file changed) keeps what the consumer has not acknowledged
        for (int i = 0; i < 20; i++) {
            write(src.resolve("f" + i + ".txt"), "all " + i);
        }
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        assertEquals(3, store.changes().readAfter(start).size(), "kept for the consumer");
        assertEquals("all 2", new String(read(backup.resolve("src/f2.txt")).getBytes()));
        assertEquals(20, loaded().liveCount("src"));
        store.cursors().acknowledge("replica", feed.get(2).seq());
        for (int i = 0; i < 20; i++) {
            write(src.resolve("f" + i + ".txt"), "again " + i);
        }
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        assertEquals(List.of(), segments(), "acknowledged: dropped at the next rewrite");
    }

    @Test
    void aFailedAppendIsReportedAndTheNextCommitWritesTheStateWhole() throws Exception {
        Config config = config(1000);
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        fs.failCreate(FaultyFs.when(p -> p.toString().endsWith(".log"), p -> new IOException("No space left on device")));
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            write(src.resolve("a.txt"), "alpha");
            e.runPaths("src", List.of("a.txt"));
            IOException x = assertThrows(IOException.class, () -> e.flushIfDue(clock.instant().plus(Duration.ofHours(1))));
            assertTrue(x.getMessage().contains("No space left on device"), x.toString());
            assertTrue(e.hasUncommittedChanges(), "what the failed commit held is still to be saved");
            assertFalse(loaded().live(new FileRef("src", "a.txt")).isPresent());
            fs.failCreate(p -> { });
            e.commit();
            assertTrue(loaded().live(new FileRef("src", "a.txt")).isPresent());
            assertEquals(List.of(), segments(), "written whole: the changes were taken by the failed append");
        }
        assertEquals(java.util.Map.of(), TestFs.tree(new BackupLayout(backup).journalDir()));
    }

    @Test
    void aCrashAfterAppendsIsRecoveredFromStateJsonAndTheLog() throws Exception {
        Config config = config(1000);
        Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
        Engine e = Engine.open(config, fs, clock, Progress.NONE);
        write(src.resolve("new.txt"), "new");
        e.runPaths("src", List.of("new.txt"));
        e.flushIfDue(clock.instant().plus(Duration.ofHours(1)));
        Files.delete(src.resolve("f0.txt"));
        e.runPaths("src", List.of("f0.txt"));
        e.abandon(); // the second batch is only in the journal
        // a torn append at the end of the log (the crash cut it short) is ignored
        Path last = segments().get(segments().size() - 1);
        Files.write(last, new byte[] {0, 0, 1, 0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        try (Engine again = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(again.state().live(new FileRef("src", "new.txt")).isPresent());
            assertFalse(again.state().live(new FileRef("src", "f0.txt")).isPresent(), "recovered from the journal");
            assertEquals(1, again.state().history(new FileRef("src", "f0.txt")).deletions().size());
        }
        BackupState s = loaded();
        assertTrue(s.live(new FileRef("src", "new.txt")).isPresent());
        assertEquals(20, s.liveCount("src"));
    }
}
