package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.restore.RestoreReport;
import io.keepwatch.restore.Restorer;
import io.keepwatch.restore.Selection;
import io.keepwatch.restore.Verifier;
import io.keepwatch.restore.VerifyReport;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Nothing outside the backup root, from any command: a state.json edited to point outside it (each record kind x
 * each bad path form), and symbolic links planted in it (a folder on the way and the final name, in the mirror,
 * {@code versions/}, {@code _deleted/}, {@code _duplicates/} and the staging folder), against {@code once} (an
 * update, a deletion, a duplicate, count and age retention), a watched update ({@code runPaths}, as the service
 * runs it), verify, restore and rebuild-state. After each, a sentinel tree outside the root is unchanged, name for
 * name and byte for byte, and the command says it refused something.
 */
class ConfinementTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    private Path outside;
    private Map<String, String> sentinel;
    private long mtimeSeq = 1_000;

    @BeforeEach
    void historyAndAFolderOutside() throws Exception {
        outside = kw.path("/outside");
        // The same names as the backup holds, so a path that went through a link would find something to act on.
        for (String n : List.of("f.txt", "g.txt", "h.txt", "k.txt", "v1.bak", "v2.bak", "victim.txt")) {
            TestFs.write(outside.resolve(n), "outside " + n);
        }
        TestFs.write(outside.resolve("sub/deep.txt"), "outside deep");
        sentinel = entries(outside);

        // History: f.txt has versions 1 and 2, g.txt was deleted, k.txt duplicates dup.txt.
        put("dir/f.txt", "f1");
        put("dir/g.txt", "g");
        put("dir/h.txt", "h");
        put("dir/dup.txt", "d");
        put("dir/k.txt", "d");
        kw.pass();
        put("dir/f.txt", "f2");
        kw.pass();
        put("dir/f.txt", "f3");
        Files.delete(kw.src().resolve("dir/g.txt"));
        kw.pass();
        assertTrue(Files.exists(kw.backup().resolve("versions/src/dir/f.txt/v2.bak")));
        assertTrue(Files.exists(kw.backup().resolve("_deleted/src/dir/g.txt")));
        assertTrue(Files.exists(kw.backup().resolve("_duplicates/src/dir/k.txt")));
    }

    private void put(String rel, String content) throws IOException {
        Path p = kw.write(rel, content);
        mtimeSeq += 61;
        Files.setLastModifiedTime(p, FileTime.from(mtimeSeq, TimeUnit.SECONDS));
    }

    /** Every entry under {@code root}: folders, files with their bytes, links with their target. */
    private static Map<String, String> entries(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String what = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "folder"
                        : "file " + new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
                out.put(root.relativize(p).toString(), what);
            }
        }
        return out;
    }

    private void assertOutsideUnchanged(String after) throws IOException {
        assertEquals(sentinel, entries(outside), "the tree outside the backup root changed after " + after);
    }

    /**
     * The changes that make every kind of operation happen, then every command, each followed by the sentinel check.
     * Returns what each command said, for the caller to check that something was refused.
     */
    private List<String> everyCommand() throws Exception {
        List<String> said = new java.util.ArrayList<>();
        put("dir/f.txt", "f4");                        // an update: archive as v3, replace the current copy
        Files.delete(kw.src().resolve("dir/h.txt"));   // a deletion: move to _deleted/
        put("dir/k2.txt", "d");                        // a new duplicate: a hard link in _duplicates/
        kw.clock().advance(Duration.ofDays(10));       // age retention: versions and deleted files older than a day
        kw.retention(new RetentionConfig(1, Optional.of(Duration.ofDays(1)), Optional.of(Duration.ofDays(1))));
        try {
            PassResult r = kw.pass();
            said.add("once: complete=" + r.complete() + " " + r.problems() + " failed=" + r.counts().failed());
        } catch (IOException | io.keepwatch.state.StateException | RuntimeException e) {
            said.add("once: " + e);
        }
        assertOutsideUnchanged("once");

        put("dir/f.txt", "f5");
        try (Engine e = kw.open()) {
            PassResult r = e.runPaths("src", List.of("dir/f.txt", "dir/h.txt", "dir/k2.txt"));
            said.add("watched: " + r.problems() + " failed=" + r.counts().failed());
        } catch (IOException | io.keepwatch.state.StateException | RuntimeException e) {
            said.add("watched: " + e);
        }
        assertOutsideUnchanged("a watched update");

        BackupLayout layout = kw.layout();
        BackupState state = new StateStore(layout, kw.fs(), kw.clock()).load().orElseThrow();
        VerifyReport v = new Verifier(layout, kw.fs(), Progress.NONE, 2).verify(state, Optional.empty());
        said.add("verify: " + v.problems());
        assertOutsideUnchanged("verify");

        for (Selection.When when : List.of(new Selection.When.Latest(), new Selection.When.At(kw.clock().instant().minus(Duration.ofDays(10))))) {
            List<Selection.Item> items = Selection.select(state, new Selection.Request(Optional.empty(), Optional.empty(), when));
            Path to = kw.path("/restored-" + said.size());
            Path dir = Restorer.prepareDestination(to, List.of(kw.src()), kw.backup(), false);
            RestoreReport r = new Restorer(layout, kw.fs(), Progress.NONE).restore(items, dir, false);
            said.add("restore " + when + ": " + r.problems());
        }
        assertOutsideUnchanged("restore");

        try {
            new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild();
        } catch (IOException | LockedException | RuntimeException e) {
            said.add("rebuild-state: " + e);
        }
        assertOutsideUnchanged("rebuild-state");
        return said;
    }

    static Stream<Arguments> plantedLinks() {
        return Stream.of(
                // folder on the way, link to /outside (which holds files of the same names)
                Arguments.of("mirror folder", "src/dir"),
                Arguments.of("versions folder", "versions/src/dir/f.txt"),
                Arguments.of("versions area", "versions/src"),
                Arguments.of("_deleted folder", "_deleted/src/dir"),
                Arguments.of("_duplicates folder", "_duplicates/src/dir"),
                Arguments.of("staging folder", ".keepwatch/tmp"),
                // final name, link to the file of that name in /outside
                Arguments.of("mirror file", "src/dir/f.txt"),
                Arguments.of("mirror file of a deletion", "src/dir/h.txt"),
                Arguments.of("version file", "versions/src/dir/f.txt/v2.bak"),
                Arguments.of("deleted file", "_deleted/src/dir/g.txt"),
                Arguments.of("duplicate file", "_duplicates/src/dir/k.txt"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("plantedLinks")
    void aPlantedLinkIsNeverGoneThrough(String what, String rel) throws Exception {
        Path at = BackupLayout.resolve(kw.backup(), rel);
        boolean folder = Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS);
        deleteTree(at);
        Files.createSymbolicLink(at, folder ? outside : outside.resolve(at.getFileName().toString()));
        List<String> said = everyCommand();
        assertTrue(said.stream().anyMatch(s -> s.contains("symbolic link")), said.toString());
    }

    static Stream<Arguments> tamperedRecords() {
        List<String> forms = List.of("../../outside/victim.txt", "/outside/victim.txt", "dir/../../../outside/victim.txt",
                "victim.txt\u0000/../../../outside", "dir//../../../outside/victim.txt");
        Stream.Builder<Arguments> out = Stream.builder();
        for (String kind : List.of("live entry", "history key", "deletion record")) {
            for (String form : forms) {
                out.add(Arguments.of(kind, form));
            }
        }
        return out.build();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("tamperedRecords")
    void aTamperedRecordIsQuarantinedAndNeverActedOn(String kind, String bad) throws Exception {
        Path stateFile = kw.backup().resolve("state.json");
        ObjectNode state = (ObjectNode) JSON.readTree(Files.readAllBytes(stateFile));
        ObjectNode source = (ObjectNode) state.get("sources").get("src");
        switch (kind) {
            case "live entry" -> ((ObjectNode) source.get("files")).set(bad, source.get("files").get("dir/h.txt").deepCopy());
            case "history key" -> ((ObjectNode) source.get("history")).set(bad, source.get("history").get("dir/f.txt").deepCopy());
            default -> {
                ArrayNode deletions = (ArrayNode) source.get("history").get("dir/g.txt").get("deletions");
                ObjectNode d = deletions.get(0).deepCopy();
                d.set("stored", new TextNode(bad));
                deletions.add(d);
            }
        }
        Files.write(stateFile, JSON.writeValueAsBytes(state));
        List<String> said = everyCommand();
        assertTrue(said.stream().anyMatch(s -> s.startsWith("once: ") && s.contains("state.json record quarantined (kept aside")), said.toString());
        assertTrue(said.stream().anyMatch(s -> s.startsWith("verify: ") && s.contains("state.json record quarantined")), said.toString());
        // The quarantined record is still in state.json (rebuild-state, the last command, set the old file aside).
        Set<String> kept = new java.util.HashSet<>();
        try (Stream<Path> s = Files.list(kw.backup())) {
            s.filter(p -> p.getFileName().toString().startsWith("state.json.broken-")).forEach(p -> kept.add(p.toString()));
        }
        assertEquals(1, kept.size());
        assertTrue(JSON.readTree(Files.readAllBytes(kw.path(kept.iterator().next()))).get("quarantined").size() >= 1);
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.list(p)) {
                for (Path c : (Iterable<Path>) s::iterator) {
                    deleteTree(c);
                }
            }
        }
        Files.delete(p);
    }
}
