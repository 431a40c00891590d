package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.fs.RealFs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    private static final Instant T0 = Instant.parse("2026-03-04T05:06:07.123456789Z");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-05T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;
    private StateStore store;

    @BeforeEach
    void setUp() {
        store = new StateStore(new BackupLayout(tmp), new RealFs(false, ms -> { }), CLOCK);
    }

    private static String hash(int i) {
        return String.format("sha256:%064x", i);
    }

    private static LiveFile live(int h, long size, Instant since, String dup) {
        return new LiveFile(hash(h), size, 1_700_000_000_123_456_789L + h, "(dev=fe00,ino=" + (1000 + h) + ")",
                h % 2 == 0 ? "rw-r--r--" : "rwx------", since, dup);
    }

    /** Two sources, duplicates (within and across sources), empty files, odd names, histories, a history-only source. */
    static BackupState sample() {
        BackupState s = new BackupState("sha256");
        s.setDevice("docs", "65024");
        s.setDevice("photos", "");
        String[] odd = {"a.txt", "new\nline.txt", "Grüße/日本語 ファイル.txt", "emoji 🎉.md", "quote\"and\\back\\slash",
            "tab\there", "ctrl\u0001char", "z/deep/er/file", "A upper", "0zero", "a-b", "a/b", "a0"};
        for (int i = 0; i < odd.length; i++) {
            s.putLive(new FileRef("docs", odd[i]), live(i, 10 + i, T0.plusNanos(i % 3), ""));
        }
        s.putLive(new FileRef("docs", "dup/of-a.txt"), live(0, 10, T0, "docs/a.txt"));
        s.putLive(new FileRef("photos", "same-as-a.jpg"), live(0, 10, T0.plusSeconds(5), "docs/a.txt"));
        s.putLive(new FileRef("photos", "empty1"), new LiveFile(hash(999), 0, 0, "", "", T0, ""));
        s.putLive(new FileRef("photos", "empty2"), new LiveFile(hash(999), 0, 0, "", "", T0, ""));
        s.putHistory(new FileRef("docs", "a.txt"), PathHistory.EMPTY
                .withVersion(new VersionRecord(1, hash(50), 5, 6, "rw-r--r--", T0, T0.plusSeconds(60)))
                .withVersion(new VersionRecord(3, hash(51), 7, 8, "rw-------", T0.plusSeconds(60), Instant.EPOCH))
                .withDeletion(new DeletionRecord("a.txt", hash(52), 9, 10, "", T0, T0.plusSeconds(99))));
        s.putHistory(new FileRef("docs", "gone\nwith newline"), PathHistory.EMPTY
                .withDeletion(new DeletionRecord("gone\nwith newline.~1~", hash(53), 1, 2, "rw-r--r--", T0, T0)));
        s.putHistory(new FileRef("old", "only/history"), PathHistory.EMPTY.withLastVersion(4));
        s.putFolder("docs", "empty\ndir/inner", java.util.List.of(new FolderSpan("rwxr-x---", T0, T0.plusSeconds(5)),
                new FolderSpan("rwx------", T0.plusSeconds(9), null)));
        return s;
    }

    /** Everything observable of a state, as text, including the duplicate index's order. */
    static String describe(BackupState s) {
        StringBuilder sb = new StringBuilder("alg=" + s.hashAlgorithm() + "\n");
        TreeSet<String> hashes = new TreeSet<>();
        for (String src : s.sourceNames()) {
            sb.append("source ").append(src).append(" device=").append(s.device(src)).append('\n');
            s.liveFiles(src).forEach((k, v) -> sb.append("  live ").append(k).append(" = ").append(v).append('\n'));
            new TreeMap<>(s.histories(src)).forEach((k, v) -> sb.append("  hist ").append(k).append(" = ").append(v).append('\n'));
            new TreeMap<>(s.folders(src)).forEach((k, v) -> sb.append("  folder ").append(k).append(" = ").append(v).append('\n'));
            s.liveFiles(src).values().forEach(v -> hashes.add(v.hash()));
            sb.append("  under a: ").append(s.liveUnder(src, "a")).append('\n');
        }
        for (String h : hashes) {
            List<FileRef> refs = new ArrayList<>();
            s.liveWithHash(h, r -> {
                refs.add(r);
                return false;
            });
            sb.append("hash ").append(h).append(" -> ").append(refs).append('\n');
        }
        return sb.toString();
    }

    private BackupState fast() throws Exception {
        return StateReader.read(Files.newInputStream(store.file()), store.file().getFileSystem());
    }

    @Test
    void roundTripKeepsEverythingAndUsesTheStreamingReader() throws Exception {
        BackupState s = sample();
        store.save(s);
        BackupState loaded = store.load().orElseThrow();
        assertEquals(describe(s), describe(loaded));
        assertEquals(describe(s), describe(fast()));
        assertEquals(describe(s), describe(store.loadGeneral().orElseThrow()));
        // saving the loaded state gives the same bytes, but for the new save's own save_id
        String first = Files.readString(store.file());
        store.save(loaded);
        String second = Files.readString(store.file());
        assertNotEquals(saveId(first), saveId(second));
        assertEquals(first.replace(saveId(first), "ID"), second.replace(saveId(second), "ID"));
    }

    @Test
    void savedBytesAreThoseOfTheDatabindWriter() throws Exception {
        BackupState s = sample();
        store.save(s);
        Map<String, SourceState> sources = new TreeMap<>();
        for (String name : s.sourceNames()) {
            sources.put(name, new SourceState(s.device(name).orElse(""),
                    new HashMap<>(s.liveFiles(name)), new HashMap<>(s.histories(name)), new HashMap<>(s.folders(name))));
        }
        byte[] old = StateStore.mapper().writeValueAsBytes(
                new StateStore.StateFile(BackupState.FORMAT, "sha256", Instant.now(CLOCK), saveId(Files.readString(store.file())), 0L,
                        sources, java.util.List.of()));
        assertEquals(new String(old, StandardCharsets.UTF_8), Files.readString(store.file()));
    }

    @Test
    void repeatedValuesAreShared() throws Exception {
        BackupState s = new BackupState("sha256");
        for (int i = 0; i < 50; i++) {
            s.putLive(new FileRef("src", "f" + i), new LiveFile(hash(i), 1, 2, "", new String("rw-r--r--"),
                    Instant.ofEpochSecond(T0.getEpochSecond(), T0.getNano()), ""));
        }
        store.save(s);
        BackupState loaded = store.load().orElseThrow();
        LiveFile a = loaded.live(new FileRef("src", "f1")).orElseThrow();
        LiveFile b = loaded.live(new FileRef("src", "f42")).orElseThrow();
        assertSame(a.perms(), b.perms());
        assertSame(a.since(), b.since());
        assertEquals(T0, a.since());
    }

    @Test
    void manyRandomFilesRoundTrip() throws Exception {
        Random rnd = new Random(7);
        BackupState s = new BackupState("sha256");
        for (int i = 0; i < 5000; i++) {
            String rel = "d" + rnd.nextInt(50) + "/f" + rnd.nextInt(100000) + (rnd.nextBoolean() ? ".bin" : "");
            Instant since = Instant.ofEpochSecond(rnd.nextInt(2_000_000_000), rnd.nextInt(1_000_000_000) / (rnd.nextBoolean() ? 1 : 1000) * (rnd.nextBoolean() ? 1 : 1000) % 1_000_000_000);
            s.putLive(new FileRef(rnd.nextBoolean() ? "a" : "b", rel), live(rnd.nextInt(3000), rnd.nextInt(3), since, ""));
        }
        store.save(s);
        // the duplicate index of a loaded state is in file order, with either reader
        String general = describe(store.loadGeneral().orElseThrow());
        assertEquals(general, describe(fast()));
        assertEquals(general, describe(store.load().orElseThrow()));
        for (String src : List.of("a", "b")) {
            assertEquals(s.liveFiles(src), store.load().orElseThrow().liveFiles(src));
        }
    }

    /** Files the streaming reader does not take are read the databind way, with its result or its error. */
    @Test
    void unusualFilesLoadAsBefore() throws Exception {
        String f = "\"hash\":\"sha256:ab\",\"size\":3,\"mtime\":4,\"inode\":\"i\",\"perms\":\"rw-------\",\"since\":\"2026-01-02T03:04:05Z\"";
        String[] variants = {
            // unknown fields everywhere
            "{\"format\":1,\"x\":[1,{}],\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"a\":{" + f + ",\"extra\":1}},\"y\":null}}}",
            // nulls and missing optional parts
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"device\":null,\"files\":{\"a\":{\"hash\":\"sha256:ab\",\"since\":\"2026-01-02T03:04:05Z\",\"inode\":null,\"duplicate_of\":null}},\"history\":null}}}",
            // numbers as strings, instants in other forms
            "{\"format\":\"1\",\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"a\":{\"hash\":\"sha256:ab\",\"size\":\"3\",\"since\":\"2026-01-02T03:04:05.000Z\"},\"b\":{\"hash\":\"sha256:ab\",\"size\":1,\"since\":1700000000.5}}}}}",
            // unsorted and repeated keys, repeated source
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"b\":{" + f + "},\"a\":{" + f + "},\"b\":{" + f.replace("\"size\":3", "\"size\":9") + "}}},\"t\":{},\"s\":{\"files\":{\"c\":{" + f + "}}}}}",
            // sources before format, empty history entries
            "{\"sources\":{\"s\":{\"history\":{\"h\":{\"last_version\":0,\"versions\":[],\"deletions\":[]}},\"files\":{}}},\"format\":1,\"hash_algorithm\":\"x\"}",
            // trailing garbage after the root object
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{}} trailing",
        };
        for (String v : variants) {
            Files.writeString(store.file(), v);
            assertEquals(describe(store.loadGeneral().orElseThrow()), describe(store.load().orElseThrow()), v);
        }
    }

    @Test
    void corruptFilesFailWithTheSameMessages() throws Exception {
        String f = "\"hash\":\"sha256:ab\",\"size\":3,\"mtime\":4,\"inode\":\"i\",\"perms\":\"rw-------\",\"since\":\"2026-01-02T03:04:05Z\"";
        String[] variants = {
            "{\"format\": 1, \"sources\": {\"src\": [",
            "",
            "null",
            "[]",
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"a\":{" + f + "}}}}",
            "{\"format\":2,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"a\":{\"size\":1}}}}}",
            "{\"format\":1,\"sources\":{}}",
            "{\"format\":1,\"hash_algorithm\":\"sha256\"}",
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":null}}",
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"a\":{\"size\":3,\"since\":\"2026-01-02T03:04:05Z\"}}}}}",
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"a\":{" + f.replace("05Z", "05.5Q") + "}}}}}",
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"files\":{\"a\":{" + f.replace("01-02", "02-30") + "}}}}}",
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"history\":{\"h\":{\"last_version\":1,\"versions\":[{\"n\":1}],\"deletions\":[]}}}}}",
            "{\"format\":1,\"hash_algorithm\":\"sha256\",\"sources\":{\"s\":{\"history\":{\"h\":{\"last_version\":1}}}}}",
        };
        for (String v : variants) {
            Files.writeString(store.file(), v);
            StateException general = assertThrows(StateException.class, () -> store.loadGeneral(), v);
            StateException e = assertThrows(StateException.class, () -> store.load(), v);
            assertEquals(general.getMessage(), e.getMessage(), v);
            assertTrue(e.getMessage().startsWith(store.file() + ": "), e.getMessage());
        }
        Files.writeString(store.file(), variants[0]);
        StateException e = assertThrows(StateException.class, () -> store.load());
        assertTrue(e.getMessage().startsWith(store.file() + ": state file is corrupt ("), e.getMessage());
        assertTrue(e.getMessage().contains("Run `keepwatch rebuild-state` to rebuild it from the backup root"), e.getMessage());
        Files.writeString(store.file(), variants[9]);
        e = assertThrows(StateException.class, () -> store.load());
        assertEquals(store.file() + ": state file is corrupt (entry 's/a' lacks hash or since); run `keepwatch rebuild-state`"
                + " to rebuild it from the backup root", e.getMessage());
    }

    /** The metadata index's fingerprint of a state's files, made from the columns, is that of their records. */
    @Test
    void fingerprintFromTheColumnsIsThatOfTheRecords() throws Exception {
        BackupState s = sample();
        s.removeLive(new FileRef("docs", "a0"));
        s.putLive(new FileRef("docs", "zz/new"), live(77, 5, T0, ""));
        s.putLive(new FileRef("docs", "a.txt"), new LiveFile(hash(78), 6, 7, "odd inode", "odd perms", T0, ""));
        for (String src : s.sourceNames()) {
            Fingerprint.Builder records = new Fingerprint.Builder();
            s.liveFiles(src).forEach((rel, f) -> records.add(rel, f.size(), f.mtime(), f.inode(), f.perms()));
            Fingerprint.Builder columns = new Fingerprint.Builder();
            ((LiveView) s.liveFiles(src)).addTo(columns);
            assertEquals(records.build(), columns.build(), src);
        }
        store.save(s);
        BackupState loaded = store.load().orElseThrow();
        Fingerprint.Builder records = new Fingerprint.Builder();
        loaded.liveFiles("docs").forEach((rel, f) -> records.add(rel, f.size(), f.mtime(), f.inode(), f.perms()));
        Fingerprint.Builder columns = new Fingerprint.Builder();
        ((LiveView) loaded.liveFiles("docs")).addTo(columns);
        assertEquals(records.build(), columns.build());
        assertEquals(s.liveCount("docs"), columns.build().count());
    }

    @Test
    void noFileIsNoState() throws Exception {
        assertTrue(store.load().isEmpty());
    }

    @Test
    void streamingReaderRefusesWhatItDoesNotKnow() {
        assertThrows(StateReader.NotCanonical.class, () -> StateReader.read(
                new ByteArrayInputStream("{\"format\":1,\"hash_algorithm\":\"a\",\"sources\":{},\"new\":1}".getBytes(StandardCharsets.UTF_8)),
                java.nio.file.FileSystems.getDefault()));
    }

    /** The compact duplicate index behaves like a list per hash: insertion order, removal of one entry. */
    @Test
    void duplicateIndexMatchesAListModel() {
        Random rnd = new Random(3);
        BackupState s = new BackupState("sha256");
        Map<String, List<FileRef>> model = new HashMap<>();
        Map<FileRef, LiveFile> files = new HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            FileRef ref = new FileRef("s" + rnd.nextInt(2), "f" + rnd.nextInt(60));
            LiveFile old = files.get(ref);
            if (old != null && old.size() > 0) {
                model.get(old.hash()).remove(ref);
            }
            if (rnd.nextInt(3) == 0) {
                s.removeLive(ref);
                files.remove(ref);
            } else {
                LiveFile lf = live(rnd.nextInt(8), rnd.nextInt(4), T0, "");
                s.putLive(ref, lf);
                files.put(ref, lf);
                if (lf.size() > 0) {
                    model.computeIfAbsent(lf.hash(), k -> new ArrayList<>()).add(ref);
                }
            }
            for (int h = 0; h < 8; h++) {
                List<FileRef> got = new ArrayList<>();
                s.liveWithHash(hash(h), r -> {
                    got.add(r);
                    return false;
                });
                assertEquals(model.getOrDefault(hash(h), List.of()), got, "step " + step);
                List<FileRef> expected = model.getOrDefault(hash(h), List.of());
                assertEquals(expected.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(expected.get(0)),
                        s.liveWithHash(hash(h)));
            }
        }
    }

    @Test
    void eachSaveWritesTheMetadataIndexOfThatSave() throws Exception {
        Path index = new BackupLayout(tmp).indexFile();
        Files.createDirectories(index.getParent());
        BackupState s = sample();
        store.save(s);
        MetadataIndex idx = store.currentIndex().orElseThrow();
        assertEquals("sha256", idx.hashAlgorithm());
        for (String src : s.sourceNames()) {
            MetadataIndex.SourceIndex si = idx.source(src).orElseThrow();
            assertEquals(s.device(src).orElse(""), si.device());
            long openFolders = s.folders(src).values().stream().filter(spans -> spans.get(spans.size() - 1).open()).count();
            assertEquals(s.liveCount(src) + openFolders, si.files());
            assertTrue(si.sameFiles(fingerprint(s.liveFiles(src), s.folders(src))), src);
        }
        // Any difference in a path or its metadata gives another fingerprint.
        MetadataIndex.SourceIndex docsIndex = idx.source("docs").orElseThrow();
        LiveFile a = s.live(new FileRef("docs", "a.txt")).orElseThrow();
        List<LiveFile> changed = List.of(
                new LiveFile(a.hash(), a.size() + 1, a.mtime(), a.inode(), a.perms(), a.since(), ""),
                new LiveFile(a.hash(), a.size(), a.mtime() + 1, a.inode(), a.perms(), a.since(), ""),
                new LiveFile(a.hash(), a.size(), a.mtime(), a.inode() + "0", a.perms(), a.since(), ""),
                new LiveFile(a.hash(), a.size(), a.mtime(), a.inode(), "rw-------", a.since(), ""));
        for (LiveFile c : changed) {
            Map<String, LiveFile> files = new TreeMap<>(s.liveFiles("docs"));
            files.put("a.txt", c);
            assertFalse(docsIndex.sameFiles(fingerprint(files, s.folders("docs"))), c.toString());
        }
        Map<String, LiveFile> renamed = new TreeMap<>(s.liveFiles("docs"));
        renamed.put("a.txt.moved", renamed.remove("a.txt"));
        assertFalse(docsIndex.sameFiles(fingerprint(renamed, s.folders("docs"))));
        // Nor an empty folder fewer.
        assertFalse(docsIndex.sameFiles(fingerprint(s.liveFiles("docs"), Map.of())));
        // Not even when the lengths of the fields shift between one file and the next.
        assertNotEquals(new Fingerprint.Builder().add("ab", 1, 2, "c", "").build(),
                new Fingerprint.Builder().add("a", 1, 2, "bc", "").build());
        // The order files are added in does not count (each scanning thread adds what it lists), their number does.
        Fingerprint forward = new Fingerprint.Builder().add("x", 1, 2, "i1", "").add("y", 3, 4, "i2", "").build();
        Fingerprint backward = new Fingerprint.Builder().add("y", 3, 4, "i2", "").add("x", 1, 2, "i1", "").build();
        assertEquals(forward, backward);
        assertEquals(forward, new Fingerprint.Builder().add("x", 1, 2, "i1", "").build()
                .plus(new Fingerprint.Builder().add("y", 3, 4, "i2", "").build()));
        assertNotEquals(forward, forward.plus(new Fingerprint.Builder().add("x", 1, 2, "i1", "").build()));

        // The retention outlook: the bytes of old versions and deleted files, and what the policy said. A store made
        // without a policy (RetentionOutlook.UNKNOWN) records none, and a next removal that has always come.
        MetadataIndex.SourceIndex docs = idx.source("docs").orElseThrow();
        assertEquals(s.histories("docs").values().stream().flatMap(h -> h.versions().stream()).mapToLong(VersionRecord::size).sum(),
                docs.versionBytes());
        assertEquals(s.histories("docs").values().stream().flatMap(h -> h.deletions().stream()).mapToLong(DeletionRecord::size).sum(),
                docs.deletedBytes());
        assertTrue(docs.versionBytes() > 0 && docs.deletedBytes() > 0);
        assertEquals("", docs.policyKey());
        assertEquals(Instant.MIN, docs.nextRemoval());
        MetadataIndex.SourceIndex old = idx.source("old").orElseThrow();
        assertEquals(0, old.files());
        assertEquals(0, old.versionBytes());
        assertEquals(Instant.MAX, old.nextRemoval());

        // The index of an earlier save is stale once state.json is saved again, even with the same content and clock.
        byte[] earlier = Files.readAllBytes(index);
        store.save(s);
        assertTrue(store.currentIndex().isPresent());
        Files.write(index, earlier);
        assertTrue(store.currentIndex().isEmpty());
        store.writeIndex(s);
        assertTrue(store.currentIndex().orElseThrow().source("docs").orElseThrow().sameFiles(fingerprint(s.liveFiles("docs"), s.folders("docs"))));
    }

    @Test
    void aFormatOneFileIsReadAndItsNextSaveIsFormatTwo() throws Exception {
        Files.createDirectories(new BackupLayout(tmp).privateDir());
        store.save(sample());
        String json = Files.readString(store.file());
        String formatOne = json.replace("{\"format\":2,", "{\"format\":1,").replace(",\"save_id\":\"" + saveId(json) + "\"", "");
        assertFalse(formatOne.contains("save_id"));
        Files.writeString(store.file(), formatOne);

        BackupState loaded = store.load().orElseThrow();
        assertEquals(describe(sample()), describe(loaded));
        assertTrue(store.saveIdOnDisk().isEmpty());
        assertTrue(store.currentIndex().isEmpty(), "no index can belong to a file without a save_id");
        store.save(loaded);
        String upgraded = Files.readString(store.file());
        assertTrue(upgraded.startsWith("{\"format\":2,"), upgraded.substring(0, 40));
        assertEquals(Optional.of(saveId(upgraded)), store.saveIdOnDisk());
        assertTrue(store.currentIndex().isPresent());
    }

    private static Fingerprint fingerprint(Map<String, LiveFile> files, Map<String, List<FolderSpan>> folders) {
        Fingerprint.Builder fp = new Fingerprint.Builder();
        files.forEach((rel, f) -> fp.add(rel, f.size(), f.mtime(), f.inode(), f.perms()));
        folders.forEach((rel, spans) -> spans.stream().filter(FolderSpan::open).forEach(o -> fp.addEmptyFolder(rel, o.perms())));
        return fp.build();
    }

    /** The save_id of a state.json text (format 2 has one, right after saved_at). */
    private static String saveId(String json) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"save_id\":\"([0-9a-f]{16})\"").matcher(json);
        assertTrue(m.find(), "no save_id in " + json.substring(0, Math.min(200, json.length())));
        return m.group(1);
    }
}
