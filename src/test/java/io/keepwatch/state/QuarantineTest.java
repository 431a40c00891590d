package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.TestFs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A state.json edited to hold an unclean path in each kind of record: the record is set aside (quarantined) with a
 * WARN line, the state holds everything else, and every save writes the quarantined records back unchanged.
 */
class QuarantineTest {
    private static final Instant T0 = Instant.parse("2026-03-04T05:06:07Z");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-05T00:00:00Z"), ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    private FileSystem jimfs;
    private Path root;
    private StateStore store;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        root = jimfs.getPath("/backup");
        Files.createDirectories(root.resolve(".keepwatch"));
        store = new StateStore(new BackupLayout(root), new RealFs(false, ms -> { }), CLOCK);
        BackupState s = new BackupState("sha256");
        FileFacts f = new FileFacts("sha256:" + "ab".repeat(32), 3, 1_000, "(ino=1)", "rw-r--r--");
        s.putLive(new FileRef("src", "a.txt"), LiveFile.of(f, T0, ""));
        s.putHistory(new FileRef("src", "a.txt"), new PathHistory(1, List.of(VersionRecord.of(1, f, T0, T0)),
                List.of(DeletionRecord.of("a.txt", f, T0, T0))));
        store.save(s);
    }

    @AfterEach
    void tearDown() throws Exception {
        jimfs.close();
    }

    static Stream<Arguments> table() {
        List<String> forms = List.of("../../outside/x", "/outside/x", "a/../../x", "a\0b", "", "a//b", "./a", "a/..");
        List<String> reasons = List.of("'..' in path", "absolute path", "'..' in path", "NUL in a name", "empty path",
                "empty name in path", "'.' in path", "'..' in path");
        Stream.Builder<Arguments> out = Stream.builder();
        for (String kind : List.of(QuarantinedRecord.FILE, QuarantinedRecord.HISTORY, QuarantinedRecord.DELETION,
                QuarantinedRecord.SOURCE)) {
            for (int i = 0; i < forms.size(); i++) {
                if (kind.equals(QuarantinedRecord.SOURCE) && forms.get(i).isEmpty()) {
                    continue; // an empty source name: Jackson's own key, covered by the other forms
                }
                out.add(Arguments.of(kind, forms.get(i), reasons.get(i)));
            }
        }
        return out.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("table")
    void anUncleanPathIsSetAsideAndKept(String kind, String bad, String reason) throws Exception {
        ObjectNode state = (ObjectNode) JSON.readTree(Files.readAllBytes(store.file()));
        ObjectNode sources = (ObjectNode) state.get("sources");
        ObjectNode src = (ObjectNode) sources.get("src");
        JsonNode record;
        String path = bad;
        String why = reason;
        switch (kind) {
            case QuarantinedRecord.FILE -> {
                record = src.get("files").get("a.txt").deepCopy();
                ((ObjectNode) src.get("files")).set(bad, record);
            }
            case QuarantinedRecord.HISTORY -> {
                record = src.get("history").get("a.txt").deepCopy();
                ((ObjectNode) src.get("history")).set(bad, record);
            }
            case QuarantinedRecord.DELETION -> {
                ObjectNode d = ((ObjectNode) src.get("history").get("a.txt").get("deletions").get(0).deepCopy());
                d.set("stored", new TextNode(bad));
                ((ArrayNode) src.get("history").get("a.txt").get("deletions")).add(d);
                record = d;
                path = "a.txt";
                why = "stored name '" + bad + "': " + reason;
            }
            default -> {
                record = src.deepCopy();
                sources.set(bad, record);
                path = "";
            }
        }
        Files.write(store.file(), JSON.writeValueAsBytes(state));

        BackupState loaded;
        try (LogCapture logs = new LogCapture()) {
            loaded = store.load().orElseThrow();
            assertTrue(logs.lines().stream().anyMatch(l -> l.startsWith("WARN") && l.contains("QUARANTINED state.json record")),
                    logs.lines().toString());
        }
        QuarantinedRecord q = new QuarantinedRecord(kind, kind.equals(QuarantinedRecord.SOURCE) ? bad : "src", path, why, record);
        assertSame(q, loaded.quarantined());
        // Nothing of it is in the state; everything else is.
        assertEquals(List.of("src"), List.copyOf(loaded.sourceNames()));
        assertEquals(List.of("a.txt"), List.copyOf(loaded.liveFiles("src").keySet()));
        assertEquals(List.of("a.txt"), List.copyOf(loaded.histories("src").keySet()));
        assertEquals(List.of("a.txt"), loaded.history(new FileRef("src", "a.txt")).deletions().stream().map(DeletionRecord::stored).toList());

        // Saved and read again: the same record, set aside again, and written back unchanged.
        store.save(loaded);
        JsonNode section = JSON.readTree(Files.readAllBytes(store.file())).get("quarantined");
        assertEquals(1, section.size());
        assertEquals(record, section.get(0).get("record"));
        BackupState again = store.load().orElseThrow();
        assertSame(q, again.quarantined());
        store.save(again);
        assertEquals(section, JSON.readTree(Files.readAllBytes(store.file())).get("quarantined"));
        // No metadata index: every pass loads state.json, and so reports the records.
        assertTrue(store.currentIndex().isEmpty());
    }

    /** The same record (compared as JSON text: numbers read as int or long are the same number). */
    private static void assertSame(QuarantinedRecord expected, List<QuarantinedRecord> got) throws Exception {
        assertEquals(1, got.size(), got.toString());
        assertEquals(expected.describe(), got.get(0).describe());
        assertEquals(JSON.readTree(JSON.writeValueAsString(expected.record())), JSON.readTree(JSON.writeValueAsString(got.get(0).record())));
    }

    @Test
    void aVersionNumberBelowOneIsSetAside() throws Exception {
        ObjectNode state = (ObjectNode) JSON.readTree(Files.readAllBytes(store.file()));
        ObjectNode v = (ObjectNode) state.get("sources").get("src").get("history").get("a.txt").get("versions").get(0);
        v.set("n", new IntNode(-3));
        Files.write(store.file(), JSON.writeValueAsBytes(state));
        BackupState loaded = store.load().orElseThrow();
        assertEquals(1, loaded.quarantined().size());
        assertEquals("version src/a.txt: version number -3 is not 1 or more", loaded.quarantined().get(0).describe());
        assertTrue(loaded.history(new FileRef("src", "a.txt")).versions().isEmpty());
        assertEquals(1, loaded.history(new FileRef("src", "a.txt")).deletions().size());
    }

    @Test
    void aCleanStateHasNoQuarantinedSection() throws Exception {
        assertFalse(new String(Files.readAllBytes(store.file()), java.nio.charset.StandardCharsets.UTF_8).contains("quarantined"));
        assertTrue(store.load().orElseThrow().quarantined().isEmpty());
        assertTrue(store.currentIndex().isPresent());
    }
}
