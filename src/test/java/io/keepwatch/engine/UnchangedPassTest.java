package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.tree;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Engine#runOnce}: a pass that finds nothing changed ends at the metadata index without loading
 * state.json, and every difference the index cannot vouch for (content, metadata, retention coming due, a
 * stale index) still gets the full pass.
 */
class UnchangedPassTest {
    private static final String FAST = "No file changed since the last save of the state";

    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private MutableClock clock;
    private Config config;

    @BeforeEach
    void setUp() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        config = config(RetentionConfig.defaults());
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private Config config(RetentionConfig retention) {
        return TestFs.config(jimfs.getPath("/etc"), backup, retention, new SourceConfig("src", src));
    }

    /** One {@code keepwatch once}; true when it ended at the index. */
    private boolean once(PassResultCheck check) throws Exception {
        return once(Engine.PassOptions.DEFAULT, check);
    }

    private boolean once(Engine.PassOptions options, PassResultCheck check) throws Exception {
        try (LogCapture logs = new LogCapture()) {
            PassResult r = Engine.runOnce(config, new RealFs(false, ms -> { }), clock, Progress.NONE, options);
            check.accept(r);
            return logs.has(FAST);
        }
    }

    private interface PassResultCheck {
        void accept(PassResult r);
    }

    private void setMtime(Path file, Instant t) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(t));
    }

    @Test
    void aPassWithNothingChangedEndsAtTheIndexAndWritesNothing() throws Exception {
        write(src.resolve("a.txt"), "alpha");
        write(src.resolve("d/b.txt"), "beta");
        write(src.resolve("d/copy.txt"), "alpha");
        assertFalse(once(r -> assertEquals(3, r.counts().backedUp() + r.counts().duplicates())), "first pass has no index");
        byte[] state = Files.readAllBytes(backup.resolve("state.json"));
        var backupTree = tree(backup);

        clock.advance(Duration.ofHours(1));
        assertTrue(once(r -> {
            assertEquals(3, r.counts().unchanged());
            assertTrue(r.complete());
        }));
        assertArrayEquals(state, Files.readAllBytes(backup.resolve("state.json")), "state.json not rewritten");
        assertEquals(backupTree, tree(backup));
    }

    @Test
    void newContentOfTheSameSizeIsBackedUp() throws Exception {
        write(src.resolve("a.txt"), "alpha");
        once(r -> { });
        clock.advance(Duration.ofMinutes(1));
        write(src.resolve("a.txt"), "ALPHA");
        setMtime(src.resolve("a.txt"), clock.instant());
        assertFalse(once(r -> assertEquals(1, r.counts().updated())));
        assertEquals("ALPHA", read(backup.resolve("src/a.txt")));
        assertEquals("alpha", read(backup.resolve("versions/src/a.txt/v1.bak")));
        assertTrue(once(r -> assertEquals(1, r.counts().unchanged())), "the update's save wrote a new index");
    }

    @Test
    void newFilesDeletionsAndNewPermissionBitsAreNoticed() throws Exception {
        write(src.resolve("a.txt"), "alpha");
        write(src.resolve("b.txt"), "beta");
        once(r -> { });
        write(src.resolve("c.txt"), "gamma");
        assertFalse(once(r -> assertEquals(1, r.counts().backedUp())));
        Files.delete(src.resolve("b.txt"));
        assertFalse(once(r -> assertEquals(1, r.counts().deleted())));
        assertTrue(Files.exists(backup.resolve("_deleted/src/b.txt")));
        Files.setPosixFilePermissions(src.resolve("a.txt"), PosixFilePermissions.fromString("rw-------"));
        assertFalse(once(r -> assertEquals(0, r.counts().updated())));
        assertTrue(read(backup.resolve("state.json")).contains("\"perms\":\"rw-------\""));
        assertTrue(once(r -> assertEquals(2, r.counts().unchanged())));
    }

    @Test
    void retentionThatComesDueWithTimeAloneStillRuns() throws Exception {
        config = config(new RetentionConfig(10, Optional.of(Duration.ofDays(30)), Optional.of(Duration.ofDays(7))));
        write(src.resolve("a.txt"), "one");
        write(src.resolve("gone.txt"), "bye");
        once(r -> { });
        for (String content : new String[] {"two", "six"}) {
            clock.advance(Duration.ofMinutes(1));
            write(src.resolve("a.txt"), content);
            setMtime(src.resolve("a.txt"), clock.instant());
            once(r -> assertEquals(1, r.counts().updated()));
        }
        Files.delete(src.resolve("gone.txt"));
        once(r -> assertEquals(1, r.counts().deleted()));

        // Nothing is due yet: the deletion is 7 days old to the second, the older version 30 days.
        clock.advance(Duration.ofDays(7));
        assertTrue(once(r -> assertEquals(1, r.counts().unchanged())));
        assertTrue(Files.exists(backup.resolve("_deleted/src/gone.txt")));
        clock.advance(Duration.ofSeconds(1));
        assertFalse(once(r -> { }), "the deletion came due");
        assertFalse(Files.exists(backup.resolve("_deleted/src/gone.txt")));

        clock.set(Instant.parse("2026-03-01T10:01:00Z").plus(Duration.ofDays(30)));
        assertTrue(once(r -> { }));
        assertTrue(Files.exists(backup.resolve("versions/src/a.txt/v1.bak")));
        clock.advance(Duration.ofSeconds(1));
        assertFalse(once(r -> { }), "v1 came due; v2 is the newest version, which age never removes");
        assertFalse(Files.exists(backup.resolve("versions/src/a.txt/v1.bak")));
        assertTrue(Files.exists(backup.resolve("versions/src/a.txt/v2.bak")));
        clock.advance(Duration.ofDays(365));
        assertTrue(once(r -> { }));
    }

    @Test
    void aLowerVersionLimitInTheConfigStillPrunes() throws Exception {
        write(src.resolve("a.txt"), "v0");
        once(r -> { });
        for (int i = 1; i <= 3; i++) {
            write(src.resolve("a.txt"), "v" + i);
            setMtime(src.resolve("a.txt"), clock.instant().plusSeconds(i));
            once(r -> { });
        }
        assertTrue(once(r -> { }));
        // Keeping 1 of 3 versions removes two thirds of them: a changed policy that removes more than half waits.
        config = config(new RetentionConfig(1, Optional.empty(), Optional.empty()));
        assertFalse(once(r -> { }));
        assertTrue(Files.exists(backup.resolve("versions/src/a.txt/v2.bak")));
        assertFalse(once(r -> { }), "while it waits, every pass looks again (and says so)");
        assertFalse(once(new Engine.PassOptions(false, java.util.Set.of(), java.util.Set.of(), true), r -> assertEquals(2, r.counts().pruned())));
        assertFalse(Files.exists(backup.resolve("versions/src/a.txt/v2.bak")));
        assertTrue(Files.exists(backup.resolve("versions/src/a.txt/v3.bak")));
        assertTrue(once(r -> { }), "applied: the policy is the accepted one, and nothing more is due");

        // Keeping 2 of 1 after that is a change too, but removes nothing: the next pass takes the fast path again.
        config = config(new RetentionConfig(2, Optional.empty(), Optional.empty()));
        assertFalse(once(r -> { }));
        assertTrue(once(r -> { }));
    }

    @Test
    void anIndexOfAnotherSaveIsNotTrusted() throws Exception {
        Path a = src.resolve("a.txt");
        Instant t1 = clock.instant();
        write(a, "AAAA");
        setMtime(a, t1);
        once(r -> { });
        Path index = new BackupLayout(backup).indexFile();
        Path stale = jimfs.getPath("/stale-index");
        Files.copy(index, stale);

        write(a, "BBBB");
        setMtime(a, t1.plusSeconds(60));
        once(r -> assertEquals(1, r.counts().updated()));
        // The file goes back to its first content and mtime, on the same inode: exactly what the old index lists.
        write(a, "AAAA");
        setMtime(a, t1);
        Files.copy(stale, index, StandardCopyOption.REPLACE_EXISTING);

        assertFalse(once(r -> assertEquals(1, r.counts().updated())), "the old index belongs to another save");
        assertEquals("AAAA", read(backup.resolve("src/a.txt")));
        assertEquals("BBBB", read(backup.resolve("versions/src/a.txt/v2.bak")));
    }

    @Test
    void aDamagedStateJsonIsNotVouchedForByItsIndex() throws Exception {
        write(src.resolve("a.txt"), "alpha");
        once(r -> { });
        Path stateFile = backup.resolve("state.json");
        byte[] good = Files.readAllBytes(stateFile);

        // Cut in half: its save_id is still at the top, but it is not the file the index was written with.
        Files.write(stateFile, java.util.Arrays.copyOf(good, good.length / 2));
        io.keepwatch.state.StateException e = org.junit.jupiter.api.Assertions.assertThrows(io.keepwatch.state.StateException.class,
                () -> once(r -> { }));
        assertTrue(e.getMessage().contains("keepwatch rebuild-state"), e.getMessage());

        // The same size, one character changed: still valid JSON, and not trusted either.
        String text = new String(good, java.nio.charset.StandardCharsets.UTF_8);
        int at = text.indexOf("\"size\":5");
        assertTrue(at > 0, text);
        Files.writeString(stateFile, text.substring(0, at) + "\"size\":6" + text.substring(at + 8));
        assertEquals(good.length, Files.size(stateFile));
        assertFalse(once(r -> { }), "the index belongs to the file as it was saved");
    }

    @Test
    void aTornIndexIsIgnored() throws Exception {
        write(src.resolve("a.txt"), "alpha");
        once(r -> { });
        Path index = new BackupLayout(backup).indexFile();
        byte[] bytes = Files.readAllBytes(index);
        Files.write(index, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertFalse(once(r -> assertEquals(1, r.counts().unchanged())));
        bytes[bytes.length / 2] ^= 1;
        Files.write(index, bytes);
        assertFalse(once(r -> assertEquals(1, r.counts().unchanged())));
        Files.delete(index);
        assertFalse(once(r -> assertEquals(1, r.counts().unchanged())));
        assertTrue(once(r -> assertEquals(1, r.counts().unchanged())), "each full pass above found no index to trust and wrote one for the state it left");
    }

    @Test
    void rehashAndAnEmptySourceAlwaysRunTheFullPass() throws Exception {
        write(src.resolve("a.txt"), "alpha");
        once(r -> { });
        try (LogCapture logs = new LogCapture()) {
            PassResult r = Engine.runOnce(config, new RealFs(false, ms -> { }), clock, Progress.NONE,
                    new Engine.PassOptions(true, java.util.Set.of()));
            assertEquals(1, r.counts().unchanged());
            assertFalse(logs.has(FAST));
        }
        Files.delete(src.resolve("a.txt"));
        assertFalse(once(r -> assertEquals(java.util.List.of("src"), r.unavailable())), "an empty source is never fine");
        assertTrue(Files.exists(backup.resolve("src/a.txt")));
    }
}
