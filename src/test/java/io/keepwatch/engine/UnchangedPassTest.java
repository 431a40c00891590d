package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.tree;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Engine#runOnce}: a pass that finds nothing changed ends at the metadata index without loading
 * state.json, and every difference the index cannot vouch for (content, metadata, retention coming due, a
 * stale index) still gets the full pass.
 */
class UnchangedPassTest {
    private static final String FAST = "No file changed since the last save of the state";

    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    /** One {@code keepwatch once}; true when it ended at the index. */
    private boolean once(PassResultCheck check) throws Exception {
        return once(Engine.PassOptions.DEFAULT, check);
    }

    private boolean once(Engine.PassOptions options, PassResultCheck check) throws Exception {
        try (LogCapture logs = new LogCapture()) {
            PassResult r = kw.once(options);
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
        kw.write("a.txt", "alpha");
        kw.write("d/b.txt", "beta");
        kw.write("d/copy.txt", "alpha");
        assertFalse(once(r -> assertEquals(3, r.counts().backedUp() + r.counts().duplicates())), "first pass has no index");
        byte[] state = Files.readAllBytes(kw.backup().resolve("state.json"));
        var backupTree = tree(kw.backup());

        kw.clock().advance(Duration.ofHours(1));
        assertTrue(once(r -> {
            assertEquals(3, r.counts().unchanged());
            assertTrue(r.complete());
        }));
        assertArrayEquals(state, Files.readAllBytes(kw.backup().resolve("state.json")), "state.json not rewritten");
        assertEquals(backupTree, tree(kw.backup()));
    }

    @Test
    void newContentOfTheSameSizeIsBackedUp() throws Exception {
        kw.write("a.txt", "alpha");
        once(r -> { });
        kw.clock().advance(Duration.ofMinutes(1));
        kw.write("a.txt", "ALPHA");
        setMtime(kw.src().resolve("a.txt"), kw.clock().instant());
        assertFalse(once(r -> assertEquals(1, r.counts().updated())));
        assertEquals("ALPHA", read(kw.backup().resolve("src/a.txt")));
        assertEquals("alpha", read(kw.backup().resolve("versions/src/a.txt/v1.bak")));
        assertTrue(once(r -> assertEquals(1, r.counts().unchanged())), "the update's save wrote a new index");
    }

    @Test
    void newFilesDeletionsAndNewPermissionBitsAreNoticed() throws Exception {
        kw.write("a.txt", "alpha");
        kw.write("b.txt", "beta");
        once(r -> { });
        kw.write("c.txt", "gamma");
        assertFalse(once(r -> assertEquals(1, r.counts().backedUp())));
        Files.delete(kw.src().resolve("b.txt"));
        assertFalse(once(r -> assertEquals(1, r.counts().deleted())));
        assertTrue(Files.exists(kw.backup().resolve("_deleted/src/b.txt")));
        Files.setPosixFilePermissions(kw.src().resolve("a.txt"), PosixFilePermissions.fromString("rw-------"));
        assertFalse(once(r -> assertEquals(0, r.counts().updated())));
        assertTrue(read(kw.backup().resolve("state.json")).contains("\"perms\":\"rw-------\""));
        assertTrue(once(r -> assertEquals(2, r.counts().unchanged())));
    }

    @Test
    void retentionThatComesDueWithTimeAloneStillRuns() throws Exception {
        kw.retention(new RetentionConfig(10, Optional.of(Duration.ofDays(30)), Optional.of(Duration.ofDays(7))));
        kw.write("a.txt", "one");
        kw.write("gone.txt", "bye");
        once(r -> { });
        for (String content : new String[] {"two", "six"}) {
            kw.clock().advance(Duration.ofMinutes(1));
            kw.write("a.txt", content);
            setMtime(kw.src().resolve("a.txt"), kw.clock().instant());
            once(r -> assertEquals(1, r.counts().updated()));
        }
        Files.delete(kw.src().resolve("gone.txt"));
        once(r -> assertEquals(1, r.counts().deleted()));

        // Nothing is due yet: the deletion is 7 days old to the second, the older version 30 days.
        kw.clock().advance(Duration.ofDays(7));
        assertTrue(once(r -> assertEquals(1, r.counts().unchanged())));
        assertTrue(Files.exists(kw.backup().resolve("_deleted/src/gone.txt")));
        kw.clock().advance(Duration.ofSeconds(1));
        assertFalse(once(r -> { }), "the deletion came due");
        assertFalse(Files.exists(kw.backup().resolve("_deleted/src/gone.txt")));

        kw.clock().set(Instant.parse("2026-03-01T10:01:00Z").plus(Duration.ofDays(30)));
        assertTrue(once(r -> { }));
        assertTrue(Files.exists(kw.backup().resolve("versions/src/a.txt/v1.bak")));
        kw.clock().advance(Duration.ofSeconds(1));
        assertFalse(once(r -> { }), "v1 came due; v2 is the newest version, which age never removes");
        assertFalse(Files.exists(kw.backup().resolve("versions/src/a.txt/v1.bak")));
        assertTrue(Files.exists(kw.backup().resolve("versions/src/a.txt/v2.bak")));
        kw.clock().advance(Duration.ofDays(365));
        assertTrue(once(r -> { }));
    }

    @Test
    void aLowerVersionLimitInTheConfigStillPrunes() throws Exception {
        kw.write("a.txt", "v0");
        once(r -> { });
        for (int i = 1; i <= 3; i++) {
            kw.write("a.txt", "v" + i);
            setMtime(kw.src().resolve("a.txt"), kw.clock().instant().plusSeconds(i));
            once(r -> { });
        }
        assertTrue(once(r -> { }));
        // Keeping 1 of 3 versions removes two thirds of them: a changed policy that removes more than half waits.
        kw.retention(new RetentionConfig(1, Optional.empty(), Optional.empty()));
        assertFalse(once(r -> { }));
        assertTrue(Files.exists(kw.backup().resolve("versions/src/a.txt/v2.bak")));
        assertFalse(once(r -> { }), "while it waits, every pass looks again (and says so)");
        assertFalse(once(new Engine.PassOptions(false, java.util.Set.of(), java.util.Set.of(), true), r -> assertEquals(2, r.counts().pruned())));
        assertFalse(Files.exists(kw.backup().resolve("versions/src/a.txt/v2.bak")));
        assertTrue(Files.exists(kw.backup().resolve("versions/src/a.txt/v3.bak")));
        assertTrue(once(r -> { }), "applied: the policy is the accepted one, and nothing more is due");

        // Keeping 2 of 1 after that is a change too, but removes nothing: the next pass takes the fast path again.
        kw.retention(new RetentionConfig(2, Optional.empty(), Optional.empty()));
        assertFalse(once(r -> { }));
        assertTrue(once(r -> { }));
    }

    @Test
    void anIndexOfAnotherSaveIsNotTrusted() throws Exception {
        Path a = kw.src().resolve("a.txt");
        Instant t1 = kw.clock().instant();
        write(a, "AAAA");
        setMtime(a, t1);
        once(r -> { });
        Path index = kw.layout().indexFile();
        Path stale = kw.path("/stale-index");
        Files.copy(index, stale);

        write(a, "BBBB");
        setMtime(a, t1.plusSeconds(60));
        once(r -> assertEquals(1, r.counts().updated()));
        // The file goes back to its first content and mtime, on the same inode: exactly what the old index lists.
        write(a, "AAAA");
        setMtime(a, t1);
        Files.copy(stale, index, StandardCopyOption.REPLACE_EXISTING);

        assertFalse(once(r -> assertEquals(1, r.counts().updated())), "the old index belongs to another save");
        assertEquals("AAAA", read(kw.backup().resolve("src/a.txt")));
        assertEquals("BBBB", read(kw.backup().resolve("versions/src/a.txt/v2.bak")));
    }

    @Test
    void aDamagedStateJsonIsNotVouchedForByItsIndex() throws Exception {
        kw.write("a.txt", "alpha");
        once(r -> { });
        Path stateFile = kw.backup().resolve("state.json");
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

    /** Ways the metadata index can be damaged on disk; none of them is trusted. */
    enum IndexDamage {
        CUT_IN_HALF, ONE_BIT_FLIPPED, DELETED;

        void applyTo(Path index) throws IOException {
            byte[] bytes = Files.readAllBytes(index);
            switch (this) {
                case CUT_IN_HALF -> Files.write(index, java.util.Arrays.copyOf(bytes, bytes.length / 2));
                case ONE_BIT_FLIPPED -> {
                    bytes[bytes.length / 2] ^= 1;
                    Files.write(index, bytes);
                }
                case DELETED -> Files.delete(index);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(IndexDamage.class)
    void aDamagedIndexIsIgnoredAndTheFullPassWritesANewOne(IndexDamage damage) throws Exception {
        kw.write("a.txt", "alpha");
        once(r -> { });
        damage.applyTo(kw.layout().indexFile());
        assertFalse(once(r -> assertEquals(1, r.counts().unchanged())), "a full pass: the index is not trusted");
        assertTrue(once(r -> assertEquals(1, r.counts().unchanged())), "the full pass found no index to trust and wrote one");
    }

    @Test
    void rehashAndAnEmptySourceAlwaysRunTheFullPass() throws Exception {
        kw.write("a.txt", "alpha");
        once(r -> { });
        try (LogCapture logs = new LogCapture()) {
            PassResult r = kw.once(new Engine.PassOptions(true, java.util.Set.of()));
            assertEquals(1, r.counts().unchanged());
            assertFalse(logs.has(FAST));
        }
        Files.delete(kw.src().resolve("a.txt"));
        assertFalse(once(r -> assertEquals(java.util.List.of("src"), r.unavailable())), "an empty source is never fine");
        assertTrue(Files.exists(kw.backup().resolve("src/a.txt")));
    }
}
