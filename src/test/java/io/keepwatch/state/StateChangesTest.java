package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Change log entries are applied by the streaming reader when they are as {@link StateChanges#encode} writes them, and
 * by the databind reader otherwise: either way the state (or the error) is the one the databind reader gives.
 */
class StateChangesTest {
    private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.123456789Z");
    private static final FileSystem FS = FileSystems.getDefault();
    private static final Path LOG = Path.of("/backup/.keepwatch/changes");
    private static final ObjectMapper MAPPER = StateStore.mapper();
    private static final String F = "\"hash\":\"sha256:ab\",\"size\":3,\"mtime\":4,\"inode\":\"(dev=fe00,ino=7)\",\"perms\":\"rw-------\","
            + "\"since\":\"2026-01-02T03:04:05Z\"";

    /** The state an entry applies to: the sample of {@link StateStoreTest}, as loaded. */
    private static BackupState base() {
        BackupState s = StateStoreTest.sample();
        s.forgetChanges();
        return s;
    }

    /** A state changed in every way an entry can record: puts, removals, histories, folders, devices. */
    private static BackupState changed() {
        BackupState s = base();
        s.putLive(new FileRef("docs", "a.txt"), new LiveFile("sha256:" + "1".repeat(64), 11, 12, "(dev=fe00,ino=99)", "rw-r-----", T0, ""));
        s.putLive(new FileRef("docs", "new/file"), new LiveFile("sha256:" + "2".repeat(64), 0, 1, "", "rw-r--r--", T0.plusSeconds(1), ""));
        s.putLive(new FileRef("docs", "new/dup"), new LiveFile("sha256:" + "1".repeat(64), 11, 12, "odd inode", "odd perms", T0, "docs/a.txt"));
        s.putLive(new FileRef("fresh", "Grüße \"quoted\"\n"), new LiveFile("md5:odd", 5, 6, "(dev=fe00,ino=5)", "rwx------", T0, ""));
        s.removeLive(new FileRef("docs", "a0"));
        s.removeLive(new FileRef("photos", "empty1"));
        s.putHistory(new FileRef("docs", "a.txt"), PathHistory.EMPTY);
        s.putHistory(new FileRef("docs", "new/file"), PathHistory.EMPTY
                .withVersion(new VersionRecord(2, "sha256:" + "3".repeat(64), 5, 6, "rw-r--r--", T0, T0.plusSeconds(60)))
                .withDeletion(new DeletionRecord("new/file.~1~", "sha256:" + "4".repeat(64), 9, 10, "", T0, T0.plusSeconds(99))));
        s.putFolder("docs", "empty\ndir/inner", List.of());
        s.putFolder("docs", "another/empty", List.of(new FolderSpan("rwxr-x---", T0, null)));
        s.setDevice("docs", "2049");
        return s;
    }

    private static ChangeLog.Entry entry(String json) {
        return new ChangeLog.Entry(7, json.getBytes(StandardCharsets.UTF_8));
    }

    private static BackupState applied(ChangeLog.Entry e) throws StateException {
        BackupState s = base();
        StateChanges.apply(List.of(e), s, MAPPER, FS, LOG);
        return s;
    }

    private static BackupState appliedGeneral(ChangeLog.Entry e) throws StateException {
        BackupState s = base();
        Quarantine q = new Quarantine(FS, MAPPER, "change log");
        StateChanges.applyGeneral(e, s, MAPPER, q, LOG);
        if (!q.found().isEmpty()) {
            s.setQuarantined(q.found());
        }
        return s;
    }

    private static String describe(BackupState s) {
        return StateStoreTest.describe(s) + "quarantined " + s.quarantined();
    }

    @Test
    void anEntryAsEncodeWritesItIsReadByTheStreamingReaderWithTheDatabindResult() throws Exception {
        BackupState source = changed();
        ChangeLog.Entry e = new ChangeLog.Entry(7, StateChanges.encode(MAPPER, T0, source.takeChanges()));
        BackupState streamed = base();
        assertDoesNotThrow(() -> StateReader.replay(e.payload(), streamed, FS));
        assertEquals(describe(changed()), describe(streamed));
        assertEquals(describe(appliedGeneral(e)), describe(streamed));
        assertEquals(describe(streamed), describe(applied(e)));
    }

    /** Entries the streaming reader does not take: the databind reader's state, whatever the streaming one did first. */
    @Test
    void unusualEntriesGiveTheDatabindResult() throws Exception {
        String[] variants = {
            // unknown fields, at the top, in a source and in a record (after some records were applied)
            "{\"at\":\"2026-01-02T03:04:05Z\",\"x\":1,\"sources\":{\"docs\":{\"files\":{\"b\":{" + F + "}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{" + F + "},\"c\":{" + F + ",\"extra\":[1]}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{" + F + "}},\"y\":null}}}",
            // a path that is not clean after one that is: quarantined, the rest applied
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{" + F + "},\"../escape\":{" + F + "}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"/abs\":null,\"a.txt\":null}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"../s\":{\"files\":{\"b\":{" + F + "}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"history\":{\"a.txt\":{\"last_version\":1,\"versions\":[],"
                    + "\"deletions\":[{\"stored\":\"../x\",\"hash\":\"h\",\"size\":1,\"mtime\":1,\"perms\":\"\",\"since\":\"2026-01-02T03:04:05Z\","
                    + "\"deleted_at\":\"2026-01-02T03:04:05Z\"}]}}}}}",
            // missing optional parts, nulls, numbers as strings, other instant forms
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{\"hash\":\"sha256:ab\",\"since\":\"2026-01-02T03:04:05.000Z\"}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{" + F.replace("\"size\":3", "\"size\":\"3\"") + "}}}}}",
            "{\"at\":1700000000.5,\"sources\":{\"docs\":{\"device\":null,\"files\":null,\"history\":null,\"folders\":null}}}",
            // a repeated record: the last one counts
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{" + F + "},\"b\":{" + F.replace("\"size\":3", "\"size\":9") + "}}}}}",
            // trailing content after the entry's object
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{" + F + "}}}}} trailing",
        };
        for (String v : variants) {
            ChangeLog.Entry e = entry(v);
            assertEquals(describe(appliedGeneral(e)), describe(applied(e)), v);
        }
    }

    /** Corrupt and truncated entries: the databind reader's error, naming the log, even after a partial streaming apply. */
    @Test
    void corruptEntriesFailWithTheDatabindMessage() throws Exception {
        String whole = new String(StateChanges.encode(MAPPER, T0, changed().takeChanges()), StandardCharsets.UTF_8);
        String[] variants = {
            "",
            "null",
            "[]",
            "{\"at\":\"2026-01-02T03:04:05Z\"}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":null}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{\"size\":3}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"files\":{\"b\":{" + F.replace("05Z", "05.5Q") + "}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"history\":{\"h\":{\"last_version\":1,\"versions\":[{\"n\":1}],\"deletions\":[]}}}}}",
            "{\"at\":\"2026-01-02T03:04:05Z\",\"sources\":{\"docs\":{\"folders\":{\"e\":[{\"perms\":\"rwx------\"}]}}}}",
            whole.substring(0, whole.length() / 2),
            whole.substring(0, whole.length() - 1),
        };
        for (String v : variants) {
            ChangeLog.Entry e = entry(v);
            StateException general = assertThrows(StateException.class, () -> appliedGeneral(e), v);
            StateException streamed = assertThrows(StateException.class, () -> applied(e), v);
            assertEquals(general.getMessage(), streamed.getMessage(), v);
            assertTrue(streamed.getMessage().startsWith(LOG + ": change log entry 7 is corrupt ("), streamed.getMessage());
        }
    }
}
