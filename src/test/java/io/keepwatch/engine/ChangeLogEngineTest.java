package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.WatchConfig;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The state committer on jimfs: commits append to the change log; state.json is written whole only by its policy. */
class ChangeLogEngineTest {
    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    @BeforeEach
    void twentyFiles() throws IOException {
        for (int i = 0; i < 20; i++) {
            kw.write("f" + i + ".txt", "file " + i);
        }
    }

    /** state.json is written whole when the log passes {@code rewritePercent}% of its size, or hourly. */
    private void rewriteAt(int rewritePercent) {
        WatchConfig w = WatchConfig.defaults();
        kw.watch(new WatchConfig(w.debounce(), w.maxDelay(), w.stateFlush(), w.rescanInterval(), w.queueCapacity(),
                rewritePercent, Duration.ofHours(1)));
    }

    private PassResult once() throws Exception {
        return kw.once(Engine.PassOptions.DEFAULT);
    }

    private Path changes() {
        return kw.layout().changesDir();
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
        rewriteAt(25);
        once();
        byte[] whole = Files.readAllBytes(kw.backup().resolve("state.json"));
        kw.clock().advance(Duration.ofMinutes(1));
        kw.write("f3.txt", "changed");
        once();
        assertArrayEquals(whole, Files.readAllBytes(kw.backup().resolve("state.json")), "one change of 20 files: state.json as it was");
        assertEquals(1, segments().size());
        BackupState s = kw.state();
        assertEquals(1, s.history(new FileRef("src", "f3.txt")).versions().size());
        assertEquals(20, s.liveCount("src"));
        assertEquals("changed", read(kw.backup().resolve("src/f3.txt")));
        // the next pass starts from state.json and the log, and finds nothing to do (the index includes the log)
        PassResult again = once();
        assertEquals("0 backed up, 0 updated, 0 duplicates, 0 deleted, 20 unchanged, 0 failed", again.counts().summary());
        assertArrayEquals(whole, Files.readAllBytes(kw.backup().resolve("state.json")));
    }

    @Test
    void theServiceFlushAppendsAndTheLogPastItsShareRewritesStateJson() throws Exception {
        rewriteAt(25);
        once();
        byte[] whole = Files.readAllBytes(kw.backup().resolve("state.json"));
        try (Engine e = kw.open()) {
            int edits = 0;
            while (Files.exists(kw.backup().resolve("state.json")) && java.util.Arrays.equals(whole, Files.readAllBytes(kw.backup().resolve("state.json")))) {
                assertTrue(edits < 200, "state.json was never rewritten");
                kw.clock().advance(Duration.ofSeconds(3));
                kw.write("f1.txt", "edit " + edits++);
                e.runPaths("src", List.of("f1.txt"));
                assertTrue(e.hasUncommittedChanges());
                e.flushIfDue(kw.clock().instant());
                assertFalse(e.hasUncommittedChanges());
            }
            assertTrue(edits > 1, "the first edits were appended, not rewritten: " + edits);
            assertEquals(List.of(), segments(), "the rewrite dropped the log it includes");
            assertEquals(edits, kw.state().history(new FileRef("src", "f1.txt")).versions().size());
        }
    }

    @Test
    void aRegisteredConsumerKeepsTheEntriesItHasNotAcknowledged() throws Exception {
        rewriteAt(25);
        once();
        StateStore store = new StateStore(kw.layout(), kw.fs(), kw.clock());
        long start = store.cursors().register("replica");
        for (int i = 0; i < 3; i++) {
            kw.clock().advance(Duration.ofMinutes(1));
            kw.write("f2.txt", "v" + i);
            once();
        }
        List<io.keepwatch.state.ChangeLog.Entry> feed = store.changes().readAfter(start);
        assertEquals(3, feed.size());
        // a rewrite (every file changed) keeps what the consumer has not acknowledged
        for (int i = 0; i < 20; i++) {
            kw.write("f" + i + ".txt", "all " + i);
        }
        once();
        assertEquals(3, store.changes().readAfter(start).size(), "kept for the consumer");
        assertEquals("all 2", new String(read(kw.backup().resolve("src/f2.txt")).getBytes()));
        assertEquals(20, kw.state().liveCount("src"));
        store.cursors().acknowledge("replica", feed.get(2).seq());
        for (int i = 0; i < 20; i++) {
            kw.write("f" + i + ".txt", "again " + i);
        }
        once();
        assertEquals(List.of(), segments(), "acknowledged: dropped at the next rewrite");
    }

    @Test
    void aFailedAppendIsReportedAndTheNextCommitWritesTheStateWhole() throws Exception {
        rewriteAt(1000);
        once();
        kw.fs().failCreate(FaultyFs.when(p -> p.toString().endsWith(".log"), p -> new IOException("No space left on device")));
        try (Engine e = kw.open()) {
            kw.write("a.txt", "alpha");
            e.runPaths("src", List.of("a.txt"));
            IOException x = assertThrows(IOException.class, () -> e.flushIfDue(kw.clock().instant().plus(Duration.ofHours(1))));
            assertTrue(x.getMessage().contains("No space left on device"), x.toString());
            assertTrue(e.hasUncommittedChanges(), "what the failed commit held is still to be saved");
            assertFalse(kw.state().live(new FileRef("src", "a.txt")).isPresent());
            kw.fs().failCreate(p -> { });
            e.commit();
            assertTrue(kw.state().live(new FileRef("src", "a.txt")).isPresent());
            assertEquals(List.of(), segments(), "written whole: the changes were taken by the failed append");
        }
        assertEquals(java.util.Map.of(), TestFs.tree(kw.layout().journalDir()));
    }

    @Test
    void aCrashAfterAppendsIsRecoveredFromStateJsonAndTheLog() throws Exception {
        rewriteAt(1000);
        once();
        Engine e = kw.open();
        kw.write("new.txt", "new");
        e.runPaths("src", List.of("new.txt"));
        e.flushIfDue(kw.clock().instant().plus(Duration.ofHours(1)));
        Files.delete(kw.src().resolve("f0.txt"));
        e.runPaths("src", List.of("f0.txt"));
        e.abandon(); // the second batch is only in the journal
        // a torn append at the end of the log (the crash cut it short) is ignored
        Path last = segments().get(segments().size() - 1);
        Files.write(last, new byte[] {0, 0, 1, 0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        try (Engine again = kw.open()) {
            assertTrue(again.state().live(new FileRef("src", "new.txt")).isPresent());
            assertFalse(again.state().live(new FileRef("src", "f0.txt")).isPresent(), "recovered from the journal");
            assertEquals(1, again.state().history(new FileRef("src", "f0.txt")).deletions().size());
        }
        BackupState s = kw.state();
        assertTrue(s.live(new FileRef("src", "new.txt")).isPresent());
        assertEquals(20, s.liveCount("src"));
    }
}
