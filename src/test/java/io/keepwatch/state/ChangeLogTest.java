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

    /**
     * Segment names are read as keepwatch writes them (16 lower-case ASCII hex digits of an entry number from 1): a
     * copy of the real segment under any other name is not read (before, {@code ffffffffffffffff.log} sorted first as -1
     * and {@code 000000000000000A.log} or fullwidth digits were read as segments, so the state failed to load as corrupt);
     * the first append names it in a WARN line, and nothing deletes it.
     */
    @Test
    void aSegmentNameKeepwatchDoesNotWriteIsLeftAloneAndNotRead() throws Exception {
        List<String> names = List.of("0000000000000000.log", "000000000000000A.log", "ffffffffffffffff.log", "8000000000000001.log",
                "\uff10".repeat(15) + "\uff11.log", "1.log", "00000000000000001.log", "-000000000000001.log", "x.log", ".log",
                "000000000000000g.log");
        for (String name : names) {
            tearDown();
            setUp();
            BackupState s = store.load().orElseThrow();
            s.putLive(new FileRef("src", "b.txt"), live("b"));
            store.appendChanges(s);
            store.changes().close();
            byte[] real = Files.readAllBytes(onlySegment());
            Path planted = layout.changesDir().resolve(name);
            Files.write(planted, real);
            try (LogCapture log = new LogCapture()) {
                BackupState back = store.load().orElseThrow();
                assertEquals(1, back.changesThrough(), name);
                assertTrue(back.live(new FileRef("src", "b.txt")).isPresent(), name);
                back.putLive(new FileRef("src", "c.txt"), live("c"));
                store.appendChanges(back);
                store.changes().close();
                assertTrue(log.has("WARN Not a change log segment, left alone: " + planted), name + ": " + log.lines());
            }
            assertEquals(2, store.changes().lastSeq(), name);
            store.save(store.load().orElseThrow());
            assertEquals(List.of(planted), segmentFiles(), name + ": the compaction dropped the real segments only");
            assertTrue(java.util.Arrays.equals(real, Files.readAllBytes(planted)), name);
        }
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> st = Files.list(layout.changesDir())) {
            return st.filter(p -> p.toString().endsWith(".log")).sorted().toList();
        }
    }

    /**
     * The consumers' cursors are JSON integers from 0: anything else is an error naming the file and what to do, and the
     * file is left as it is (before, Jackson took {@code 1.5} as 1 and {@code "7"} as 7).
     */
    @Test
    void aCursorThatIsNotAWholeNumberIsAnErrorNamingTheFile() throws Exception {
        List<String> bad = List.of("{\"history\": 1.5}", "{\"history\": \"7\"}", "{\"history\": \"\u0667\"}", "{\"history\": -1}",
                "{\"history\": 99999999999999999999}", "{\"history\": null}", "{\"history\": true}", "{\"../x\": 1}", "{\"\": 1}",
                "[1]", "7", "", "{\"history\": 1");
        Path file = layout.changesDir().resolve("cursors.json");
        Files.createDirectories(file.getParent());
        for (String content : bad) {
            Files.writeString(file, content);
            IOException e = assertThrows(IOException.class, () -> store.cursors().positions(), content);
            assertTrue(e.getMessage().startsWith("change log cursors " + file + " are unreadable (")
                    && e.getMessage().endsWith("delete the file to drop every consumer's position"), content + ": " + e.getMessage());
            assertEquals(content, Files.readString(file), "left as it is");
        }
        Files.writeString(file, "{\"history\": 0, \"replication\": 9007199254740993}");
        assertEquals(java.util.Map.of("history", 0L, "replication", 9007199254740993L), store.cursors().positions());
    }
}
