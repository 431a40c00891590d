package io.keepwatch.restore;

import static io.keepwatch.testing.TestFs.tree;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.ModeRecordingFs;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A restore writes each file owner-only in its own folder {@code DIR/.keepwatch-restore/}, never in the user's
 * folders; one that is interrupted (a crash injected through the Fs seam: nothing after it runs, as when the process
 * is killed) is resumed by running it again, which skips the files already restored and leaves no temp file.
 */
class RestoreResumeTest {
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private RealFs fs;
    private List<Selection.Item> items;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        backup = jimfs.getPath("/backup");
        fs = new RealFs(false, ms -> { });
        write(src.resolve("a.txt"), "alpha");
        write(src.resolve("b/c.txt"), "gamma");
        write(src.resolve("b/d.txt"), "delta");
        write(src.resolve("e.txt"), "epsilon");
        write(src.resolve("f/g.txt"), "private");
        Files.setPosixFilePermissions(src.resolve("f/g.txt"), PosixFilePermissions.fromString("rw-------"));
        Config config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        items = Selection.select(new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow(),
                new Selection.Request(Optional.of("src"), Optional.empty(), new Selection.When.Latest()));
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private RestoreReport restore(io.keepwatch.fs.Fs with, Path to) throws Exception {
        Path dir = Restorer.prepareDestination(to, List.of(src), backup, false);
        return new Restorer(new BackupLayout(backup), with, Progress.NONE).restore(items, dir, false);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void eachFileIsWrittenOwnerOnlyInTheRestoresOwnFolderThenGetsItsMode() throws Exception {
        ModeRecordingFs recording = new ModeRecordingFs(fs);
        Path to = jimfs.getPath("/back");
        RestoreReport r = restore(recording, to);
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(5, recording.created().size());
        for (ModeRecordingFs.Created c : recording.created()) {
            assertEquals(to.resolve(Restorer.WORK_FOLDER), c.file().getParent(), c.toString());
            assertEquals("rw-------", c.mode(), c.toString());
            assertEquals("rwx------", c.folderMode(), c.toString());
        }
        assertEquals(tree(src), tree(to));
        assertEquals("rw-------", mode(to.resolve("f/g.txt")));
        assertEquals("rw-r--r--", mode(to.resolve("a.txt")));
        assertFalse(Files.exists(to.resolve(Restorer.WORK_FOLDER)), "gone once the restore ran to its end");
    }

    @Test
    void anInterruptedRestoreIsResumedByRunningItAgain() throws Exception {
        Path to = jimfs.getPath("/back");
        // Each file is one create and one rename: the crash comes at the rename of the third (b/d.txt).
        FaultyFs crashing = new FaultyFs(fs).crashAt(5);
        assertThrows(FaultyFs.Crash.class, () -> restore(crashing, to));
        Map<String, String> left = tree(to);
        assertEquals(3, left.size(), left.toString());
        assertEquals("alpha", left.get("a.txt"));
        assertEquals("gamma", left.get("b/c.txt"));
        assertTrue(left.keySet().stream().anyMatch(k -> k.startsWith(Restorer.WORK_FOLDER + "/")),
                "the unfinished file is in the restore's own folder, not beside the user's files: " + left);

        // The same command again: the destination is not empty, but it holds an unfinished restore, which it resumes.
        List<String> written = new java.util.ArrayList<>();
        ModeRecordingFs recording = new ModeRecordingFs(new io.keepwatch.testing.ForwardingFs(fs) {
            @Override
            public void moveNoReplace(Path from, Path target) throws IOException {
                written.add(to.relativize(target).toString());
                super.moveNoReplace(from, target);
            }
        });
        RestoreReport r = restore(recording, to);
        assertTrue(r.complete(), r.problems().toString());
        assertEquals(5, r.restored());
        assertEquals(2, r.alreadyThere(), "a.txt and b/c.txt were restored before the crash");
        assertEquals(List.of("b/d.txt", "e.txt", "f/g.txt"), written, "only the files not restored yet are written again");
        assertEquals(3, recording.created().size(), recording.created().toString());
        assertEquals(new TreeMap<>(tree(src)), new TreeMap<>(tree(to)), "no temp file is left anywhere");
        assertEquals("rw-------", mode(to.resolve("f/g.txt")));
    }

    @Test
    void aDestinationThatIsNotEmptyWithoutAnUnfinishedRestoreIsStillRefused() throws Exception {
        Path to = jimfs.getPath("/back");
        write(to.resolve("mine.txt"), "the user's");
        RestoreException e = assertThrows(RestoreException.class, () -> restore(fs, to));
        assertTrue(e.getMessage().contains("it is not empty"), e.getMessage());
    }
}
