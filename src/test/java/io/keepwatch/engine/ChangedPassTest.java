package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.LiveFile;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ChangedPass}: a {@code once} that loads only the runs of state.json whose files changed ends exactly as a full
 * pass does. Each row changes two identical backups the same way, then runs {@code once} on both: on one as it comes,
 * on the other with the metadata index deleted first (so it loads state.json whole and makes the full pass). Both must
 * report the same counts, hold the same files under the backup root and the same state; the row says whether the first
 * took the part-loading pass or fell back to the full one. The next {@code once} of each finds nothing to do.
 */
class ChangedPassTest {
    private static final String PART = "only those runs of state.json loaded";
    private static final String NO_CHANGE = "No file changed since the last save of the state";
    /** 24 folders of 48 files: 1,152 files (and one more), 10 runs of the index; a pass may load 2. */
    private static final int FOLDERS = 24;
    private static final int FILES = 48;

    @RegisterExtension
    final EngineFixture part = new EngineFixture();
    @RegisterExtension
    final EngineFixture whole = new EngineFixture();

    private interface Change {
        void apply(EngineFixture kw) throws Exception;
    }

    record Row(String name, boolean takesPart, Change change) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row("one file appended to", true, kw -> append(kw, "d07/f12.txt", "more")),
                new Row("one file, new content of the same size", true, kw -> put(kw, "d07/f12.txt", "FILE-7-12")),
                new Row("two files in two runs", true, kw -> {
                    append(kw, "d01/f00.txt", "x");
                    append(kw, "d22/f10.txt", "y");
                }),
                new Row("mtime touched, same content", true, kw -> touch(kw, "d12/f03.txt")),
                new Row("permission bits changed", true,
                        kw -> Files.setPosixFilePermissions(kw.src().resolve("d12/f04.txt"), PosixFilePermissions.fromString("rw-------"))),
                new Row("new content equal to another file's", true, kw -> put(kw, "d20/f20.txt", "file-5-5")),
                new Row("a file that had versions changes again", true, kw -> append(kw, "d00/f00.txt", "v3")),
                new Row("a change after a pass that took the part", true, kw -> {
                    append(kw, "d02/f02.txt", "a");
                    kw.once(Engine.PassOptions.DEFAULT);
                    kw.clock().advance(Duration.ofMinutes(1));
                    append(kw, "d02/f03.txt", "b");
                }),
                new Row("a new file", false, kw -> put(kw, "d03/new.txt", "new")),
                new Row("a new file duplicating one in another run", false, kw -> put(kw, "d03/new.txt", "file-21-1")),
                new Row("a file deleted", false, kw -> Files.delete(kw.src().resolve("d04/f04.txt"))),
                new Row("a file renamed", false, kw -> Files.move(kw.src().resolve("d04/f04.txt"), kw.src().resolve("d04/g04.txt"))),
                new Row("a file changed and another deleted in its run", false, kw -> {
                    append(kw, "d05/f01.txt", "x");
                    Files.delete(kw.src().resolve("d05/f02.txt"));
                }),
                new Row("a folder replaced by a file", false, kw -> {
                    deleteTree(kw.src().resolve("d06"));
                    put(kw, "d06", "now a file");
                }),
                new Row("an empty folder made", false, kw -> Files.createDirectories(kw.src().resolve("d08/empty"))),
                new Row("retention comes due, and a file changed", false, kw -> {
                    kw.clock().advance(Duration.ofDays(31));
                    append(kw, "d09/f09.txt", "late");
                }),
                new Row("the index garbled", false, kw -> {
                    append(kw, "d07/f12.txt", "more");
                    Path index = kw.layout().indexFile();
                    byte[] b = Files.readAllBytes(index);
                    b[b.length / 2] ^= 0x40;
                    Files.write(index, b);
                }),
                new Row("the index missing", false, kw -> {
                    append(kw, "d07/f12.txt", "more");
                    Files.delete(kw.layout().indexFile());
                }),
                new Row("the source moved in the configuration", false, kw -> {
                    Path moved = kw.path("/data/moved");
                    copyTree(kw.src(), moved);
                    append(kw, "d07/f12.txt", "more");
                    Config c = kw.config();
                    kw.config(TestFs.config(kw.path("/etc"), kw.backup(), c.retention("src"), new SourceConfig("src", moved)));
                }),
                new Row("the source empty (unmounted)", false, kw -> {
                    deleteTree(kw.src());
                    Files.createDirectories(kw.src());
                }),
                new Row("the source folder missing", false, kw -> deleteTree(kw.src())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void aPassOverTheChangedRunsEndsAsTheFullPass(Row row) throws Exception {
        for (EngineFixture kw : List.of(part, whole)) {
            seed(kw);
            row.change().apply(kw);
        }
        Files.deleteIfExists(whole.layout().indexFile());
        boolean tookPart;
        PassResult a;
        try (LogCapture logs = new LogCapture()) {
            a = part.once(Engine.PassOptions.DEFAULT);
            tookPart = logs.has(PART);
        }
        PassResult b;
        try (LogCapture logs = new LogCapture()) {
            b = whole.once(Engine.PassOptions.DEFAULT);
            assertTrue(!logs.has(PART), "the index was deleted: a full pass");
        }
        assertEquals(row.takesPart(), tookPart, "took the part-loading pass");
        assertEquals(b.counts(), a.counts());
        assertEquals(b.unavailable(), a.unavailable());
        assertEquals(b.problems().size(), a.problems().size());
        assertEquals(whole.backupFiles(), part.backupFiles());
        assertEquals(dump(whole), dump(part));

        if (a.complete()) {
            try (LogCapture logs = new LogCapture()) {
                PassResult again = part.once(Engine.PassOptions.DEFAULT);
                assertEquals(0, again.counts().backedUp() + again.counts().updated() + again.counts().deleted());
                assertTrue(logs.has(NO_CHANGE), "the index written after the pass is the state's");
            }
        }
    }

    @Test
    void thePartLoadingPassLeavesStateJsonAsItWasAndAppendsTheChange() throws Exception {
        seed(part);
        byte[] before = Files.readAllBytes(part.backup().resolve("state.json"));
        append(part, "d07/f12.txt", "more");
        try (LogCapture logs = new LogCapture()) {
            PassResult r = part.once(Engine.PassOptions.DEFAULT);
            assertTrue(logs.has(PART));
            assertEquals(1, r.counts().updated());
            assertEquals(FOLDERS * FILES + 1 - 1, r.counts().unchanged());
        }
        assertArrayEquals(before, Files.readAllBytes(part.backup().resolve("state.json")), "state.json not rewritten");
        BackupState state = part.state();
        assertEquals(FOLDERS * FILES + 1, state.liveCount("src"));
        assertEquals("file-7-12more", TestFs.read(part.backup().resolve("src/d07/f12.txt")));
        assertEquals("file-7-12", TestFs.read(part.backup().resolve("versions/src/d07/f12.txt/v1.bak")));
    }

    /**
     * 1,153 files of distinct content (and a file with two versions, under a policy that removes versions after 30
     * days), backed up by a first {@code once}; the clock then a minute on.
     */
    private static void seed(EngineFixture kw) throws Exception {
        kw.retention(new RetentionConfig(10, Optional.of(Duration.ofDays(30)), Optional.of(Duration.ofDays(7))));
        for (int d = 0; d < FOLDERS; d++) {
            for (int f = 0; f < FILES; f++) {
                put(kw, String.format("d%02d/f%02d.txt", d, f), "file-" + d + "-" + f);
            }
        }
        put(kw, "top.txt", "top");
        kw.once(Engine.PassOptions.DEFAULT);
        for (String v : new String[] {"v1", "v2"}) {
            kw.clock().advance(Duration.ofMinutes(1));
            append(kw, "d00/f00.txt", v);
            kw.once(Engine.PassOptions.DEFAULT);
        }
        kw.clock().advance(Duration.ofMinutes(1));
    }

    /** Writes a file with the fixture's clock as its mtime (so both backups record the same). */
    private static void put(EngineFixture kw, String rel, String content) throws IOException {
        Path p = kw.write(rel, content);
        Files.setLastModifiedTime(p, FileTime.from(kw.clock().instant()));
    }

    private static void append(EngineFixture kw, String rel, String more) throws IOException {
        put(kw, rel, TestFs.read(kw.src().resolve(rel)) + more);
    }

    private static void touch(EngineFixture kw, String rel) throws IOException {
        Files.setLastModifiedTime(kw.src().resolve(rel), FileTime.from(kw.clock().instant().plusSeconds(5)));
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    /** The state as a user sees it: every live file and its history, empty folders; no file keys (two file systems). */
    private static Map<String, String> dump(EngineFixture kw) throws Exception {
        BackupState s = kw.state();
        Map<String, String> out = new TreeMap<>();
        for (String source : s.sourceNames()) {
            for (Map.Entry<String, LiveFile> e : s.liveSorted(source).entrySet()) {
                LiveFile l = e.getValue();
                out.put(source + "/" + e.getKey(), l.hash() + " " + l.size() + " " + l.mtime() + " " + l.perms() + " " + l.since()
                        + " " + l.duplicateOf());
            }
            s.histories(source).forEach((rel, h) -> out.put("history " + source + "/" + rel, h.toString()));
            s.folders(source).forEach((rel, spans) -> out.put("folder " + source + "/" + rel, spans.toString()));
            out.put("device " + source, s.device(source).orElse(""));
        }
        return out;
    }
}
