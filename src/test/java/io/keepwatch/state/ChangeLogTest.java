package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The change log's framing, its torn tail, its corruption, and its entries read as untrusted input. */
class ChangeLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
    private FileSystem jimfs;
    private BackupLayout layout;
    private RealFs fs;
    private StateStore store;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        layout = new BackupLayout(jimfs.getPath("/backup"));
        Files.createDirectories(layout.privateDir());
        fs = new RealFs(false, ms -> { });
        store = new StateStore(layout, fs, CLOCK);
        BackupState s = new BackupState("sha256");
        s.putLive(new FileRef("src", "a.txt"), live("a"));
        store.save(s);
    }

    @AfterEach
    void tearDown() throws Exception {
        jimfs.close();
    }

    private static LiveFile live(String content) {
        return new LiveFile("sha256:" + content, 1, 2, "3", "rw-r--r--", Instant.parse("2026-03-01T09:00:00Z"), "");
    }

    private Path onlySegment() throws Exception {
        try (Stream<Path> s = Files.list(layout.changesDir())) {
            return s.filter(p -> p.toString().endsWith(".log")).findFirst().orElseThrow();
        }
    }

    /** Appends an entry with exactly this payload, as a damaged or hostile writer might. */
    private void appendRaw(String json) throws Exception {
        BackupState s = store.load().orElseThrow();
        store.changes().append(json.getBytes(StandardCharsets.UTF_8), s.changesThrough());
        store.changes().close();
    }

    @Test
    void entriesReplayInOrderAndATornTailIsIgnoredThenCutOff() throws Exception {
        BackupState s = store.load().orElseThrow();
        s.putLive(new FileRef("src", "b.txt"), live("b"));
        store.appendChanges(s);
        s.removeLive(new FileRef("src", "a.txt"));
        store.appendChanges(s);
        store.changes().close();
        Path seg = onlySegment();
        Files.write(seg, new byte[] {0, 0, 0, 9, 0, 0}, StandardOpenOption.APPEND);
        BackupState back = store.load().orElseThrow();
        assertFalse(back.live(new FileRef("src", "a.txt")).isPresent());
        assertTrue(back.live(new FileRef("src", "b.txt")).isPresent());
        assertEquals(2, back.changesThrough());
        long size = Files.size(seg);
        back.putLive(new FileRef("src", "c.txt"), live("c"));
        store.appendChanges(back);
        store.changes().close();
        assertEquals(3, store.changes().lastSeq(), "the torn tail was cut off before the next entry");
        assertTrue(Files.size(seg) > size - 6);
        assertTrue(store.load().orElseThrow().live(new FileRef("src", "c.txt")).isPresent());
    }

    @Test
    void aDamagedEntryBeforeTheEndIsAnErrorNamingRebuildState() throws Exception {
        BackupState s = store.load().orElseThrow();
        s.putLive(new FileRef("src", "b.txt"), live("b"));
        store.appendChanges(s);
        s.putLive(new FileRef("src", "c.txt"), live("c"));
        store.appendChanges(s);
        store.changes().close();
        Path seg = onlySegment();
        byte[] bytes = Files.readAllBytes(seg);
        bytes[20] ^= 0x55; // inside the first entry's payload
        Files.write(seg, bytes);
        // the first entry fails its checksum with a whole entry after it: damage, not a torn append
        StateException x = assertThrows(StateException.class, () -> store.load());
        assertTrue(x.getMessage().contains("corrupt") && x.getMessage().contains("rebuild-state"), x.getMessage());
        IOException w = assertThrows(IOException.class, () -> store.appendChanges(withChange()));
        assertTrue(w.getMessage().contains("corrupt"), "nothing is appended after damage: " + w.getMessage());
    }

    private BackupState withChange() {
        BackupState s = new BackupState("sha256");
        s.putLive(new FileRef("src", "d.txt"), live("d"));
        return s;
    }

    @Test
    void recordsWithPathsOutsideTheSourceAreQuarantinedNotApplied() throws Exception {
        try (LogCapture log = new LogCapture()) {
            appendRaw("{\"at\":\"2026-03-01T10:00:00Z\",\"sources\":{\"src\":{\"files\":{"
                    + "\"../../etc/passwd\":{\"hash\":\"sha256:x\",\"size\":1,\"mtime\":2,\"inode\":\"\",\"perms\":\"\","
                    + "\"since\":\"2026-03-01T10:00:00Z\"},\"ok.txt\":{\"hash\":\"sha256:y\",\"size\":1,\"mtime\":2,"
                    + "\"inode\":\"\",\"perms\":\"\",\"since\":\"2026-03-01T10:00:00Z\"},\"/abs\":null}},"
                    + "\"..\":{\"device\":\"x\"}}}");
            BackupState s = store.load().orElseThrow();
            assertTrue(s.live(new FileRef("src", "ok.txt")).isPresent());
            assertFalse(s.live(new FileRef("src", "../../etc/passwd")).isPresent());
            assertTrue(s.live(new FileRef("src", "a.txt")).isPresent(), "an unclean removal removes nothing");
            assertFalse(s.sourceNames().contains(".."));
            assertEquals(List.of("file", "source"), s.quarantined().stream().map(QuarantinedRecord::kind).toList());
            assertTrue(log.lines().stream().anyMatch(l -> l.startsWith("WARN") && l.contains("QUARANTINED change log record")),
                    log.lines().toString());
        }
    }

    @Test
    void anEntryMissingWhatItMustHoldIsCorruption() throws Exception {
        appendRaw("{\"at\":\"2026-03-01T10:00:00Z\",\"sources\":{\"src\":{\"files\":{\"b.txt\":{\"size\":1}}}}}");
        StateException x = assertThrows(StateException.class, () -> store.load());
        assertTrue(x.getMessage().contains("change log entry 1 is corrupt") && x.getMessage().contains("rebuild-state"),
                x.getMessage());
    }

    @Test
    void aStateWrittenWholeIncludesTheLogAndACursorKeepsWhatItNeeds() throws Exception {
        long start = store.cursors().register("history");
        BackupState s = store.load().orElseThrow();
        s.putLive(new FileRef("src", "b.txt"), live("b"));
        store.appendChanges(s);
        store.save(s);
        assertEquals(1, store.changes().readAfter(start).size(), "kept for 'history'");
        assertTrue(store.load().orElseThrow().live(new FileRef("src", "b.txt")).isPresent());
        store.cursors().acknowledge("history", 1);
        s.putLive(new FileRef("src", "c.txt"), live("c"));
        store.save(s);
        assertEquals(0, store.changes().bytes());
        assertThrows(IllegalArgumentException.class, () -> store.cursors().register("../x"));
    }
}
