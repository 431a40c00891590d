package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.WatchConfig;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine's own files in the backup root (state.json and its temp file, the journal, the change log) failing
 * the way a full disk or a permission that changed makes them fail, injected through the Fs seam on jimfs: the
 * error names the file and the reason, what was on disk stays as it was, and the next pass loses nothing.
 */
class BackupRootFaultsTest {
    private static final FaultyFs.Fault NONE = p -> { };

    @RegisterExtension
    final EngineFixture f = new EngineFixture();

    private Path src;
    private Path backup;
    private MutableClock clock;
    private FaultyFs fs;

    @BeforeEach
    void setUp() throws IOException {
        src = f.src();
        backup = f.backup();
        clock = f.clock();
        fs = f.fs();
        for (int i = 0; i < 20; i++) {
            f.write("f" + i + ".txt", "file " + i);
        }
    }

    /** {@code rewritePercent} 1: every commit rewrites state.json whole; 25: a small change is appended to the log. */
    private Config config(int rewritePercent) {
        WatchConfig w = WatchConfig.defaults();
        f.watch(new WatchConfig(w.debounce(), w.maxDelay(), w.stateFlush(), w.rescanInterval(), w.queueCapacity(),
                rewritePercent, Duration.ofHours(1)));
        return f.config();
    }

    private PassResult once(Config config) throws Exception {
        return Engine.runOnce(config, fs, clock, Progress.NONE, Engine.PassOptions.DEFAULT);
    }

    private Path stateJson() {
        return backup.resolve("state.json");
    }

    private Path stateTemp() {
        return backup.resolve("state.json.tmp");
    }

    private BackupState loaded() throws Exception {
        return f.state();
    }

    /** The journal's files by name, with their bytes. */
    private Map<String, byte[]> journal() throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        Path dir = new BackupLayout(backup).journalDir();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    out.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    /** A journal entry (not its temp file). */
    private static boolean inJournal(Path p) {
        return p.getParent() != null && p.getParent().getFileName() != null
                && p.getParent().getFileName().toString().equals("journal") && p.toString().endsWith(".json");
    }

    /** A first pass, then f3 changed: what every test makes fail, and what the next pass must still back up. */
    private byte[] backedUpThenF3Changed(Config config) throws Exception {
        once(config);
        byte[] saved = Files.readAllBytes(stateJson());
        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("f3.txt"), "changed");
        return saved;
    }

    /** The change of f3 is in the backup and in the state, every file is there, and no batch waits in the journal. */
    private void nothingLost(Config config) throws Exception {
        PassResult again = once(config);
        assertEquals(0, again.counts().failed(), again.counts().summary());
        assertEquals("changed", read(backup.resolve("src/f3.txt")));
        BackupState s = loaded();
        assertEquals(20, s.liveCount("src"));
        assertEquals(1, s.history(new FileRef("src", "f3.txt")).versions().size(), "the old f3 kept once as a version");
        assertEquals("file 3", read(backup.resolve("versions/src/f3.txt/v1.bak")), "the old content of f3");
        assertEquals(Map.of(), journal(), "every batch is in the saved state");
        assertFalse(Files.exists(stateTemp()));
    }

    @Test
    void aDiskFullWhileWritingTheStateNamesTheTempFileKeepsStateJsonAndTheNextPassLosesNothing() throws Exception {
        Config config = config(1);
        byte[] saved = backedUpThenF3Changed(config);
        fs.failWrite(FaultyFs.when(p -> p.equals(stateTemp()), p -> new IOException("No space left on device")));

        IOException e = assertThrows(IOException.class, () -> once(config));
        assertTrue(e.getMessage().contains(stateTemp().toString()) && e.getMessage().contains("No space left on device"),
                e.getMessage());
        assertArrayEquals(saved, Files.readAllBytes(stateJson()), "state.json as it was");
        assertFalse(Files.exists(stateTemp()), "the half-written temp file is gone");
        assertFalse(journal().isEmpty(), "the batch whose moves the state does not hold yet is kept");

        fs.failWrite(NONE);
        nothingLost(config);
    }

    @Test
    void aRefusedRenameOverStateJsonNamesItKeepsTheOldStateAndTheNextPassLosesNothing() throws Exception {
        Config config = config(1);
        byte[] saved = backedUpThenF3Changed(config);
        fs.failReplace(FaultyFs.when(p -> p.equals(stateJson()), p -> new AccessDeniedException(p.toString(), null, "Permission denied")));

        AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> once(config));
        assertEquals(stateJson().toString(), e.getFile());
        assertArrayEquals(saved, Files.readAllBytes(stateJson()), "state.json as it was");

        fs.failReplace(NONE);
        nothingLost(config);
    }

    @Test
    void aTempFileThatCannotBeDeletedAfterAFailedWriteIsLoggedWithItsPathNotSwallowed() throws Exception {
        Config config = config(1);
        byte[] saved = backedUpThenF3Changed(config);
        java.util.concurrent.atomic.AtomicBoolean writeFailed = new java.util.concurrent.atomic.AtomicBoolean();
        fs.failWrite(FaultyFs.when(p -> p.equals(stateTemp()), p -> {
            writeFailed.set(true);
            return new IOException("No space left on device");
        }));
        // The delete before the write goes through; the one after the failed write is refused.
        fs.failDelete(FaultyFs.when(p -> p.equals(stateTemp()) && writeFailed.get(),
                p -> new AccessDeniedException(p.toString(), null, "Permission denied")));

        try (LogCapture log = new LogCapture()) {
            IOException e = assertThrows(IOException.class, () -> once(config));
            assertTrue(e.getMessage().contains("No space left on device"), "the write's failure is the error: " + e.getMessage());
            assertTrue(java.util.Arrays.stream(e.getSuppressed()).anyMatch(x -> x instanceof AccessDeniedException a
                    && a.getFile().equals(stateTemp().toString())), "the failed delete goes with it");
            assertTrue(log.has("WARN Could not delete the temp file " + stateTemp()), log.lines().toString());
        }
        assertTrue(Files.exists(stateTemp()), "the delete really failed");
        assertArrayEquals(saved, Files.readAllBytes(stateJson()));

        fs.failWrite(NONE);
        fs.failDelete(NONE);
        nothingLost(config);
    }

    @Test
    void aFailedAppendToTheChangeLogFailsThePassNamingTheLogAndStateJsonWrittenWholeHoldsTheChange() throws Exception {
        Config config = config(25);
        byte[] saved = backedUpThenF3Changed(config);
        // Without the metadata index the pass loads state.json whole (with it, only f3's run: see the next test).
        Files.delete(new BackupLayout(backup).indexFile());
        fs.failWrite(FaultyFs.when(p -> p.toString().endsWith(".log"), p -> new IOException("No space left on device")));

        IOException e = assertThrows(IOException.class, () -> once(config));
        assertTrue(e.getMessage().contains("change log") && e.getMessage().contains(new BackupLayout(backup).changesDir().toString())
                && e.getMessage().contains("No space left on device"), e.getMessage());
        // The changes taken for the log are then only in memory: the engine writes state.json whole before it closes.
        fs.failWrite(NONE);
        assertFalse(java.util.Arrays.equals(saved, Files.readAllBytes(stateJson())), "state.json written whole");
        assertEquals(1, loaded().history(new FileRef("src", "f3.txt")).versions().size(), "and it holds the change");
        assertEquals(Map.of(), journal());

        nothingLost(config);
    }

    @Test
    void aFailedAppendOfAStateLoadedInPartFailsThePassAndTheJournalKeepsTheChangeForTheNextStart() throws Exception {
        Config config = config(25);
        byte[] saved = backedUpThenF3Changed(config);
        fs.failWrite(FaultyFs.when(p -> p.toString().endsWith(".log"), p -> new IOException("No space left on device")));

        try (LogCapture log = new LogCapture()) {
            IOException e = assertThrows(IOException.class, () -> once(config));
            assertTrue(log.has("only those runs of state.json loaded"), "the pass loaded only f3's run");
            assertTrue(e.getMessage().contains("change log") && e.getMessage().contains("No space left on device"), e.getMessage());
        }
        fs.failWrite(NONE);
        // A part of the state is never written whole: state.json is as it was, and the batch waits in the journal.
        assertArrayEquals(saved, Files.readAllBytes(stateJson()), "state.json not written from a part");
        assertEquals(1, journal().size(), "the batch is kept");
        nothingLost(config);
    }

    @Test
    void aJournalEntryThatCannotBeReadAtStartIsNamedAndKeptAndReadOnceItCanBe() throws Exception {
        Config config = config(1);
        backedUpThenF3Changed(config);
        fs.failReplace(FaultyFs.when(p -> p.equals(stateJson()), p -> new IOException("Input/output error")));
        assertThrows(IOException.class, () -> once(config));
        fs.failReplace(NONE);
        Map<String, byte[]> pending = journal();
        assertEquals(1, pending.size(), pending.keySet().toString());
        Path entry = new BackupLayout(backup).journalDir().resolve(pending.keySet().iterator().next());
        fs.failRead(FaultyFs.when(BackupRootFaultsTest::inJournal, p -> new AccessDeniedException(p.toString(), null, "Permission denied")));

        IOException e = assertThrows(IOException.class, () -> once(config));
        assertTrue(e.getMessage().contains("cannot read journal file " + entry) && e.getMessage().contains("Permission denied"),
                e.getMessage());
        assertFalse(e.getMessage().contains("rebuild-state"), "a file that cannot be read is not a damaged one: " + e.getMessage());
        Map<String, byte[]> after = journal();
        assertEquals(pending.keySet(), after.keySet(), "nothing thrown away");
        assertArrayEquals(pending.get(entry.getFileName().toString()), after.get(entry.getFileName().toString()));

        fs.failRead(NONE);
        nothingLost(config);
    }

    @Test
    void aJournalEntryThatCannotBeDeletedOnceSavedIsReportedWithItsPathAndClearedByTheNextPass() throws Exception {
        Config config = config(1);
        backedUpThenF3Changed(config);
        fs.failDelete(FaultyFs.when(BackupRootFaultsTest::inJournal, p -> new AccessDeniedException(p.toString(), null, "Permission denied")));

        AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> once(config));
        assertTrue(inJournal(f.path(e.getFile())), e.getFile());
        assertTrue(Files.exists(f.path(e.getFile())));
        assertEquals(1, loaded().history(new FileRef("src", "f3.txt")).versions().size(), "the state was saved before");

        fs.failDelete(NONE);
        nothingLost(config);
    }
}
