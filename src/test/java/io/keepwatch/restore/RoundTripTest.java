package io.keepwatch.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.PassResult;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The round trip: a history of edits, renames and deletions backed up at pinned clock times, then every
 * one of those moments restored and compared with a snapshot of the source taken at that moment: same
 * paths, same bytes, same mtime, same permission bits.
 */
class RoundTripTest {
    private FileSystem jimfs;
    private Path src;
    private Path docs;
    private Path backup;
    private MutableClock clock;
    private RealFs fs;
    private Config config;
    private long mtimeSeq = 1_700_000_000L;

    /** What a user would see of one file. */
    record Snap(String content, long mtimeNanos, String perms) {
    }

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        docs = jimfs.getPath("/data/docs");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        Files.createDirectories(docs);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new RealFs(false, ms -> { });
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src),
                new SourceConfig("docs", docs));
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    /** Writes a file with a distinct mtime (whole seconds plus some nanoseconds) so every edit is seen. */
    private void put(Path root, String rel, String content) throws IOException {
        Path p = root.resolve(rel);
        TestFs.write(p, content);
        mtimeSeq += 61;
        Files.setLastModifiedTime(p, FileTime.from(mtimeSeq * 1_000_000_000L + 123_456_789L, TimeUnit.NANOSECONDS));
    }

    private PassResult pass() throws Exception {
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            PassResult r = e.runFull(Engine.PassOptions.DEFAULT);
            assertTrue(r.complete(), r.problems().toString());
            return r;
        }
    }

    private BackupState state() throws Exception {
        return new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow();
    }

    /** Every regular file under each source root, as {@code <source>/<rel>}. */
    private Map<String, Snap> snapshot(Map<String, Path> roots) throws IOException {
        Map<String, Snap> out = new TreeMap<>();
        for (Map.Entry<String, Path> r : roots.entrySet()) {
            if (!Files.exists(r.getValue())) {
                continue;
            }
            try (Stream<Path> s = Files.walk(r.getValue())) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        out.put(r.getKey() + "/" + BackupLayout.relative(r.getValue(), p), new Snap(
                                Files.readString(p, StandardCharsets.UTF_8),
                                Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS),
                                PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))));
                    }
                }
            }
        }
        return out;
    }

    private Map<String, Snap> sourcesNow() throws IOException {
        return snapshot(Map.of("src", src, "docs", docs));
    }

    private RestoreReport restore(Selection.When when, Optional<String> source, Optional<String> path, Path to) throws Exception {
        List<Selection.Item> items = Selection.select(state(), new Selection.Request(source, path, when));
        Path dir = Restorer.prepareDestination(to, List.of(src, docs), backup, false);
        return new Restorer(new BackupLayout(backup), fs, Progress.NONE).restore(items, dir, false);
    }

    @Test
    void everyMomentOfTheHistoryComesBackExactly() throws Exception {
        Map<Instant, Map<String, Snap>> history = new LinkedHashMap<>();
        // t0: a first tree, with a duplicate, an empty file and a read-only file.
        put(src, "a.txt", "alpha 1");
        put(src, "sub/b.txt", "bravo 1");
        put(src, "sub/deep/c.txt", "charlie 1");
        put(src, "copy-of-a.txt", "alpha 1");
        put(src, "empty", "");
        put(docs, "report.md", "report 1");
        Files.setPosixFilePermissions(src.resolve("sub/deep/c.txt"), PosixFilePermissions.fromString("r--r-----"));
        history.put(step(), sourcesNow());

        // t1: edit two files (one changes its permission bits too), add one.
        put(src, "a.txt", "alpha 2");
        put(src, "sub/deep/c.txt", "charlie 2 longer");
        Files.setPosixFilePermissions(src.resolve("sub/deep/c.txt"), PosixFilePermissions.fromString("rwxr-x---"));
        put(docs, "notes.txt", "notes 1");
        history.put(step(), sourcesNow());

        // t2: rename b.txt (a deletion plus a new file), delete a whole folder, edit a again.
        Files.move(src.resolve("sub/b.txt"), src.resolve("sub/b-renamed.txt"));
        Files.delete(src.resolve("sub/deep/c.txt"));
        Files.delete(src.resolve("sub/deep"));
        put(src, "a.txt", "alpha 3");
        history.put(step(), sourcesNow());

        // t3: a deleted path comes back with new content; the duplicate is edited; a file becomes a folder.
        put(src, "sub/deep/c.txt", "charlie reborn");
        put(src, "copy-of-a.txt", "no longer a copy");
        Files.delete(docs.resolve("notes.txt"));
        put(docs, "notes.txt/inside.txt", "notes became a folder");
        history.put(step(), sourcesNow());

        // t4: delete the reborn file and the empty one; rename the folder of docs.
        Files.delete(src.resolve("sub/deep/c.txt"));
        Files.delete(src.resolve("empty"));
        Files.move(docs.resolve("notes.txt"), docs.resolve("notes"));
        put(src, "a.txt", "alpha 4");
        history.put(step(), sourcesNow());

        int k = 0;
        for (Map.Entry<Instant, Map<String, Snap>> moment : history.entrySet()) {
            Path to = jimfs.getPath("/restore/at-" + k++);
            RestoreReport r = restore(new Selection.When.At(moment.getKey()), Optional.empty(), Optional.empty(), to);
            assertTrue(r.complete(), r.problems().toString());
            assertEquals(moment.getValue(), snapshot(Map.of("src", to.resolve("src"), "docs", to.resolve("docs"))),
                    "restore --at " + moment.getKey());
            // One second before the next pass (and long after the last one) gives the same state.
            Path later = jimfs.getPath("/restore/later-" + k);
            restore(new Selection.When.At(moment.getKey().plus(Duration.ofMinutes(10)).minusSeconds(1)), Optional.empty(),
                    Optional.empty(), later);
            assertEquals(moment.getValue(), snapshot(Map.of("src", later.resolve("src"), "docs", later.resolve("docs"))),
                    "restore --at one second before the next pass after " + moment.getKey());
        }

        // The latest state equals the sources now.
        Path latest = jimfs.getPath("/restore/latest");
        assertTrue(restore(new Selection.When.Latest(), Optional.empty(), Optional.empty(), latest).complete());
        assertEquals(sourcesNow(), snapshot(Map.of("src", latest.resolve("src"), "docs", latest.resolve("docs"))));

        // One second before the first pass there was nothing.
        Instant first = history.keySet().iterator().next();
        RestoreException none = assertThrows(RestoreException.class, () -> Selection.select(state(),
                new Selection.Request(Optional.empty(), Optional.empty(), new Selection.When.At(first.minusSeconds(1)))));
        assertTrue(none.getMessage().startsWith("nothing to restore: the backup held no file at "), none.getMessage());
    }

    /** Runs a pass at the clock's time, returns that time, and moves the clock ten minutes on. */
    private Instant step() throws Exception {
        Instant t = clock.instant();
        pass();
        clock.advance(Duration.ofMinutes(10));
        return t;
    }

    @Test
    void oneSourceAndOneFolderLandRelativeToTheSource() throws Exception {
        put(src, "sub/b.txt", "bravo");
        put(src, "sub/deep/c.txt", "charlie");
        put(src, "a.txt", "alpha");
        put(docs, "sub/b.txt", "not this one");
        step();
        Path to = jimfs.getPath("/restore/one");
        RestoreReport r = restore(new Selection.When.Latest(), Optional.of("src"), Optional.of("sub/"), to);
        assertEquals(2, r.restored());
        assertEquals(Map.of("sub/b.txt", "bravo", "sub/deep/c.txt", "charlie"), TestFs.tree(to));
    }

    @Test
    void oneVersionOfOneFile() throws Exception {
        put(src, "a.txt", "v-one");
        step();
        put(src, "a.txt", "v-two");
        step();
        put(src, "a.txt", "now");
        step();
        Path to = jimfs.getPath("/restore/v1");
        assertTrue(restore(new Selection.When.Version(1), Optional.of("src"), Optional.of("a.txt"), to).complete());
        assertEquals(Map.of("a.txt", "v-one"), TestFs.tree(to));
        RestoreException e = assertThrows(RestoreException.class, () -> Selection.select(state(),
                new Selection.Request(Optional.of("src"), Optional.of("a.txt"), new Selection.When.Version(7))));
        assertEquals("there is no version 7 of src/a.txt (versions kept: 1, 2)", e.getMessage());
        assertFalse(Files.exists(jimfs.getPath("/restore/v7")));
    }

    @Test
    void blocksOfZerosComeBackAsZerosToTheLastByte() throws Exception {
        int mib = 1 << 20;
        // Blocks of zeros first, in the middle and at the end (the copy ends in a hole), and a file whose
        // zeros end in a partial block.
        byte[] holes = new byte[4 * mib];
        holes[mib + 10] = 'x';
        byte[] tail = new byte[3 * mib + 3];
        tail[3 * mib] = 'e';
        tail[3 * mib + 1] = 'n';
        tail[3 * mib + 2] = 'd';
        Files.write(src.resolve("holes.img"), holes);
        Files.write(src.resolve("tail.img"), tail);
        Files.setPosixFilePermissions(src.resolve("holes.img"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setLastModifiedTime(src.resolve("holes.img"), FileTime.from(1_700_000_000_123_456_789L, TimeUnit.NANOSECONDS));
        step();
        Path to = jimfs.getPath("/restore/zeros");
        RestoreReport r = restore(new Selection.When.Latest(), Optional.of("src"), Optional.empty(), to);
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(-1, Files.mismatch(src.resolve("holes.img"), to.resolve("holes.img")));
        assertEquals(-1, Files.mismatch(src.resolve("tail.img"), to.resolve("tail.img")));
        assertEquals(4L * mib, Files.size(to.resolve("holes.img")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(to.resolve("holes.img"))));
        assertEquals(1_700_000_000_123_456_789L, Files.getLastModifiedTime(to.resolve("holes.img")).to(TimeUnit.NANOSECONDS));
    }
}
