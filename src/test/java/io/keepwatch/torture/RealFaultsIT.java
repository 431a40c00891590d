package io.keepwatch.torture;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real-world faults on real filesystems, through the packaged jar as a separate process: a full backup disk
 * (a small tmpfs), permission denied for a non-root keepwatch, a tmpfs source unmounted and mounted again,
 * a truncated or garbage state.json, the inotify watch limit, a file replaced by a folder and back. Each
 * test asserts what a user sees: exit codes, log lines, files.
 *
 * <p>Needs root on Linux ({@code mount -t tmpfs}, {@code setpriv}, {@code unshare}); CI runs as root. Elsewhere
 * the tests are skipped (the injected-fault unit tests in {@code EngineTest} and {@code DaemonTest} still run).
 */
class RealFaultsIT {
    private static final Duration DEADLINE = Duration.ofSeconds(90);
    /** A uid and gid no account uses: keepwatch runs as it in the permission test (no user is created). */
    private static final int NOBODY_ELSE = 64123;

    @TempDir
    Path tmp;
    private Path src;
    private Path backup;
    private Path logs;
    private Path config;
    private final List<Path> mounts = new ArrayList<>();
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(System.getProperty("os.name").equals("Linux") && "root".equals(System.getProperty("user.name")),
                "needs root on Linux (mount, setpriv, unshare); CI runs as root");
        src = tmp.resolve("src");
        backup = tmp.resolve("backup");
        logs = tmp.resolve("logs");
        config = tmp.resolve("config.json");
        Files.createDirectories(src);
        Files.writeString(config, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"watch\": {\"debounce_ms\": 150, \"max_delay_ms\": 1000, \"state_flush_ms\": 200}}");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        for (Path m : mounts) {
            new ProcessBuilder("umount", "-l", m.toString()).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    // ---- the backup disk fills up ----------------------------------------------------------------------

    @Test
    void aFullBackupDiskIsAClearErrorLeavesStateIntactAndCatchesUpWhenSpaceIsBack() throws Exception {
        write("a.txt", "alpha");
        write("b.txt", "beta");
        byte[] big = random(3 << 20, 1);
        Files.write(src.resolve("big.bin"), big);
        mountTmpfs(backup, "2m");

        // A file larger than the free space: FAILED with its path and the reason, the others are backed up.
        Result first = keepwatch("once");
        assertEquals(2, first.exit, first.all());
        assertTrue(first.err.contains("FAILED: src/big.bin: java.io.IOException: No space left on device"), first.all());
        assertTrue(logFile().lines().anyMatch(l -> l.contains("ERROR") && l.contains("FAILED: src/big.bin")), logFile());
        assertFalse(Files.exists(backup.resolve("src/big.bin")), "no partial file at a final path");
        assertEquals(List.of(), list(backup.resolve(".keepwatch/tmp")), "no temp copy left behind");
        BackupState state = loadState();
        assertTrue(state.live(new FileRef("src", "a.txt")).isPresent());
        assertFalse(state.live(new FileRef("src", "big.bin")).isPresent());

        // The disk completely full: a deletion cannot even be journalled. The pass stops with an ERROR naming
        // the file it could not write; state.json is untouched and nothing moved.
        fill(backup.resolve("filler"));
        byte[] stateBefore = Files.readAllBytes(backup.resolve("state.json"));
        Files.delete(src.resolve("b.txt"));
        Result full = keepwatch("once");
        assertEquals(1, full.exit, full.all());
        assertTrue(full.err.contains(backup.resolve(".keepwatch/journal").toString()) && full.err.contains("No space left on device"),
                full.all());
        assertTrue(logFile().lines().anyMatch(l -> l.contains("ERROR") && l.contains("No space left on device")
                && l.contains(backup.resolve(".keepwatch").toString())), logFile());
        assertArrayEquals(stateBefore, Files.readAllBytes(backup.resolve("state.json")), "state.json is unchanged");
        assertEquals("beta", Files.readString(backup.resolve("src/b.txt")));
        assertFalse(Files.exists(backup.resolve("_deleted")));

        // Space is back: the backup catches up, and verify finds it intact.
        Files.delete(backup.resolve("filler"));
        run("mount", "-o", "remount,size=16m", backup.toString());
        Result after = keepwatch("once");
        assertEquals(0, after.exit, after.all());
        assertArrayEquals(big, Files.readAllBytes(backup.resolve("src/big.bin")));
        assertEquals("beta", Files.readString(backup.resolve("_deleted/src/b.txt")));
        assertFalse(Files.exists(backup.resolve("src/b.txt")));
        assertEquals(0, keepwatch("verify").exit);
    }

    // ---- permission denied for a non-root keepwatch ----------------------------------------------------

    @Test
    void anUnreadableFileIsReportedWithItsPathAndTheOthersAreBackedUp() throws Exception {
        write("a.txt", "alpha");
        write("sub/b.txt", "beta");
        write("secret.txt", "root only");
        Files.setPosixFilePermissions(src.resolve("secret.txt"), PosixFilePermissions.fromString("rw-------"));
        write("private/inside.txt", "in a root-only folder");
        Files.setPosixFilePermissions(src.resolve("private"), PosixFilePermissions.fromString("rwx------"));
        // keepwatch runs as another user: it may enter the work folder, read the source, write backup and logs.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(backup);
        Files.createDirectories(logs);
        run("chown", NOBODY_ELSE + ":" + NOBODY_ELSE, backup.toString(), logs.toString());

        Result r = keepwatch(List.of("setpriv", "--reuid=" + NOBODY_ELSE, "--regid=" + NOBODY_ELSE, "--clear-groups"), "once");
        assertEquals(2, r.exit, r.all());
        String line = "FAILED: src/secret.txt: AccessDeniedException: " + src.resolve("secret.txt");
        assertTrue(r.err.contains(line), r.all());
        assertTrue(logFile().contains(line), logFile());
        String folderLine = "FAILED: src/private: cannot read (AccessDeniedException: " + src.resolve("private") + ")";
        assertTrue(r.err.contains(folderLine), r.all());
        // The summary counts exactly the FAILED lines: the file that cannot be read and the folder that cannot be listed.
        assertEquals(2, r.err.lines().filter(l -> l.contains("FAILED")).count(), r.all());
        assertTrue(r.err.contains("unchanged, 2 failed in "), r.all());
        assertEquals("alpha", Files.readString(backup.resolve("src/a.txt")));
        assertEquals("beta", Files.readString(backup.resolve("src/sub/b.txt")));
        assertFalse(Files.exists(backup.resolve("src/secret.txt")));
        assertEquals(NOBODY_ELSE, (int) Files.getAttribute(backup.resolve("src/a.txt"), "unix:uid"), "really ran as the other user");

        // The service, as the same user: its start-up pass reports the file the same way, and it keeps backing up.
        List<String> asOther = List.of("setpriv", "--reuid=" + NOBODY_ELSE, "--regid=" + NOBODY_ELSE, "--clear-groups");
        Process service = startService(asOther);
        assertTrue(afterStart(logFile()).contains(line), logFile());
        write("sub/c.txt", "gamma");
        await().atMost(DEADLINE).until(() -> Files.exists(backup.resolve("src/sub/c.txt")));
        assertEquals("gamma", Files.readString(backup.resolve("src/sub/c.txt")));
        assertEquals(2, afterStart(logFile()).lines().filter(l -> l.contains("FAILED")).count(), logFile());
        await().atMost(DEADLINE).until(() -> keepwatch("status").out.contains(", 2 failed"));
        Result status = keepwatch("status");
        assertTrue(status.out.contains("secret.txt") || status.out.contains("src/private"),
                "status names the last error: " + status.all());
        service.destroy();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));
        assertFalse(Files.exists(backup.resolve("src/secret.txt")));

        // What the systemd unit grants (AmbientCapabilities=CAP_DAC_READ_SEARCH): the same user reads it all.
        List<String> withCapability = List.of("setpriv", "--reuid=" + NOBODY_ELSE, "--regid=" + NOBODY_ELSE, "--clear-groups",
                "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search");
        Result capable = keepwatch(withCapability, "once");
        assertEquals(0, capable.exit, capable.all());
        assertEquals("root only", Files.readString(backup.resolve("src/secret.txt")));
        assertEquals("in a root-only folder", Files.readString(backup.resolve("src/private/inside.txt")));
        assertEquals(NOBODY_ELSE, (int) Files.getAttribute(backup.resolve("src/secret.txt"), "unix:uid"));
    }

    /** The log from the last start of the service on. */
    private static String afterStart(String log) {
        return log.substring(log.lastIndexOf("keepwatch run:"));
    }

    // ---- a tmpfs source unmounted and mounted again ----------------------------------------------------

    @Test
    void theServiceWaitsForAnUnmountedSourceAndResumesWhenItIsMountedAgain() throws Exception {
        mountTmpfs(src, "4m");
        write("a.txt", "alpha");
        write("d/b.txt", "beta");
        Process service = startService(List.of());
        await().atMost(DEADLINE).until(() -> Files.exists(backup.resolve("src/d/b.txt")));

        run("umount", src.toString());
        mounts.remove(src);
        await().atMost(DEADLINE).until(() -> logFile().contains("Source src is UNAVAILABLE"));
        await().atMost(DEADLINE).until(() -> keepwatch("status").exit == 3); // status: a source is UNAVAILABLE

        // Mounted again (a new tmpfs: a new device number) with the same content.
        mountTmpfs(src, "4m");
        write("a.txt", "alpha");
        write("d/b.txt", "beta");
        await().atMost(DEADLINE).until(() -> keepwatch("status").exit == 0);
        // The source resumes: a change is backed up by the service.
        write("a.txt", "alpha 2");
        await().atMost(DEADLINE).until(() -> Files.exists(backup.resolve("versions/src/a.txt/v1.bak")));
        await().atMost(DEADLINE).until(() -> Files.readString(backup.resolve("src/a.txt")).equals("alpha 2"));
        assertEquals("alpha", Files.readString(backup.resolve("versions/src/a.txt/v1.bak")));
        assertEquals("beta", Files.readString(backup.resolve("src/d/b.txt")));
        assertFalse(Files.exists(backup.resolve("_deleted")), "nothing was taken as deleted");
        assertFalse(Files.exists(backup.resolve("versions/src/d")), "the same content made no version");
        service.destroy();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, keepwatch("verify").exit);
    }

    @Test
    void onceOnAnUnmountedSourceMovesNothingAndAChangedRemountIsReconciled() throws Exception {
        mountTmpfs(src, "4m");
        write("a.txt", "alpha");
        write("d/b.txt", "beta");
        assertEquals(0, keepwatch("once").exit);

        run("umount", src.toString());
        mounts.remove(src);
        Result gone = keepwatch("once");
        assertEquals(1, gone.exit, "the only source is unavailable: " + gone.all());
        assertTrue(gone.err.contains("ERROR Source src is UNAVAILABLE"), gone.all());
        assertFalse(Files.exists(backup.resolve("_deleted")), "no mass move into _deleted");
        assertEquals("alpha", Files.readString(backup.resolve("src/a.txt")));

        // Mounted again with changed content: one file changed, one gone, one new.
        mountTmpfs(src, "4m");
        write("a.txt", "alpha 2");
        write("c.txt", "gamma");
        Result back = keepwatch("once");
        assertEquals(0, back.exit, back.all());
        assertEquals("alpha 2", Files.readString(backup.resolve("src/a.txt")));
        assertEquals("alpha", Files.readString(backup.resolve("versions/src/a.txt/v1.bak")));
        assertEquals("beta", Files.readString(backup.resolve("_deleted/src/d/b.txt")));
        assertEquals("gamma", Files.readString(backup.resolve("src/c.txt")));
        assertEquals(0, keepwatch("verify").exit);
    }

    // ---- the deletion guard: a filesystem unmounted inside a source, a source folder made anew -------------

    @Test
    void aFilesystemUnmountedInsideASourceIsUnavailableNotDeletedAndResumesWhenMountedAgain() throws Exception {
        write("a.txt", "alpha");
        Path photos = src.resolve("photos");
        mountTmpfs(photos, "4m");
        write("photos/p1.jpg", "one");
        write("photos/sub/p2.jpg", "two");
        Process service = startService(List.of());
        await().atMost(DEADLINE).until(() -> Files.exists(backup.resolve("src/photos/sub/p2.jpg")));

        run("umount", photos.toString());
        mounts.remove(photos);
        await().atMost(DEADLINE).until(() -> logFile().contains("ERROR") && logFile().contains("Folder src/photos is UNAVAILABLE"));
        await().atMost(DEADLINE).until(() -> keepwatch("status").exit == 3);
        Result status = keepwatch("status");
        assertTrue(status.out.contains("UNAVAILABLE  src/photos  (it is no longer a mount point"), status.all());
        assertTrue(keepwatch("status", "--json").out.contains("\"unavailable_folders\" : [ {"), "status --json lists it");
        // The rest of the source is backed up as usual; nothing of the unmounted folder is deleted.
        write("b.txt", "beta");
        await().atMost(DEADLINE).until(() -> Files.exists(backup.resolve("src/b.txt")));
        assertFalse(Files.exists(backup.resolve("_deleted")), "nothing under the unmounted folder was taken as deleted");
        assertEquals("one", Files.readString(backup.resolve("src/photos/p1.jpg")));

        // Mounted again (a new tmpfs: a new device number) with the same files: it resumes, watched again.
        mountTmpfs(photos, "4m");
        write("photos/p1.jpg", "one");
        write("photos/sub/p2.jpg", "two");
        await().atMost(DEADLINE).until(() -> keepwatch("status").exit == 0);
        assertTrue(logFile().contains("Folder src/photos is back"), logFile());
        write("photos/p1.jpg", "one, edited");
        await().atMost(DEADLINE).until(() -> Files.readString(backup.resolve("src/photos/p1.jpg")).equals("one, edited"));
        assertEquals("one", Files.readString(backup.resolve("versions/src/photos/p1.jpg/v1.bak")));
        assertFalse(Files.exists(backup.resolve("_deleted")));
        service.destroy();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));

        // `once` while it is unmounted: exit 2, nothing deleted; accepted: moved to _deleted/.
        run("umount", photos.toString());
        mounts.remove(photos);
        Result once = keepwatch("once");
        assertEquals(2, once.exit, once.all());
        assertTrue(once.err.contains("ERROR Folder src/photos is UNAVAILABLE"), once.all());
        assertFalse(Files.exists(backup.resolve("_deleted")));
        Result accepted = keepwatch("once", "--accept-deletions", "src");
        assertEquals(0, accepted.exit, accepted.all());
        assertEquals("one, edited", Files.readString(backup.resolve("_deleted/src/photos/p1.jpg")));
        assertEquals(0, keepwatch("verify").exit);
    }

    @Test
    void aSourceFolderMovedAwayAndMadeAnewMovesNothingUntilTheServiceIsToldToAccept() throws Exception {
        write("a.txt", "alpha");
        write("d/b.txt", "beta");
        assertEquals(0, keepwatch("once").exit);
        Files.move(src, tmp.resolve("src-old"));
        Files.createDirectories(src);
        write("new.txt", "made in the new folder");
        Result once = keepwatch("once");
        assertEquals(2, once.exit, "held deletions make the pass partial: " + once.all());
        assertTrue(once.err.contains("WARN  HELD: 2 deletion(s) in src: the source folder was replaced"), once.all());
        assertFalse(Files.exists(backup.resolve("_deleted")));
        assertEquals("made in the new folder", Files.readString(backup.resolve("src/new.txt")));
        Result notRunning = keepwatch("accept-deletions", "src");
        assertEquals(4, notRunning.exit, notRunning.all());
        assertTrue(notRunning.out.contains("keepwatch once --accept-deletions src"), notRunning.all());

        Process service = startService(List.of());
        await().atMost(DEADLINE).until(() -> keepwatch("status").out.contains("HELD  2 deletion(s)"));
        assertFalse(Files.exists(backup.resolve("_deleted")));
        Result accept = keepwatch("accept-deletions", "src");
        assertEquals(0, accept.exit, accept.all());
        assertTrue(accept.out.contains("Done: no deletions are held in src now"), accept.all());
        assertEquals("alpha", Files.readString(backup.resolve("_deleted/src/a.txt")));
        assertEquals("beta", Files.readString(backup.resolve("_deleted/src/d/b.txt")));
        assertFalse(Files.exists(backup.resolve(".keepwatch/accept-deletions/src")), "the request was taken");
        assertFalse(keepwatch("status").out.contains("HELD"));
        service.destroy();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, keepwatch("verify").exit);
    }

    // ---- a corrupt state.json ---------------------------------------------------------------------------

    @Test
    void aTruncatedOrGarbageStateIsAClearErrorAndRebuildStateRecovers() throws Exception {
        write("a.txt", "alpha");
        write("d/b.txt", "beta");
        assertEquals(0, keepwatch("once").exit);
        write("a.txt", "alpha 2");
        assertEquals(0, keepwatch("once").exit);
        Path stateFile = backup.resolve("state.json");
        byte[] good = Files.readAllBytes(stateFile);

        for (byte[] bad : List.of(java.util.Arrays.copyOf(good, good.length / 2), "\0\0garbage{]".getBytes(StandardCharsets.UTF_8))) {
            Files.write(stateFile, bad);
            Result r = keepwatch("once");
            assertEquals(1, r.exit, r.all());
            assertTrue(r.err.contains(stateFile.toString()) && r.err.contains("keepwatch rebuild-state"), r.all());
            assertArrayEquals(bad, Files.readAllBytes(stateFile), "the corrupt state is not replaced");
            assertFalse(Files.exists(backup.resolve("_deleted")));

            Result rebuilt = keepwatch("rebuild-state");
            assertEquals(0, rebuilt.exit, rebuilt.all());
            assertEquals(0, keepwatch("verify").exit);
            Result next = keepwatch("once");
            assertEquals(0, next.exit, next.all());
            assertTrue(next.err.contains("0 backed up, 0 updated, 0 duplicates, 0 deleted, 2 unchanged"), next.all());
            assertEquals("alpha", Files.readString(backup.resolve("versions/src/a.txt/v1.bak")));
            assertFalse(Files.exists(backup.resolve("versions/src/a.txt/v2.bak")), "the rebuild made no version");
        }
    }

    // ---- the inotify watch limit --------------------------------------------------------------------------

    /**
     * The limit is lowered for keepwatch alone: in a user namespace of its own, whose inotify limit
     * ({@code /proc/sys/user/max_inotify_watches}, the per-namespace form of {@code fs.inotify.max_user_watches})
     * is set to 3. The machine-wide sysctl is left alone, so nothing else running here is affected.
     */
    @Test
    void atTheInotifyLimitTheServiceSaysSoAndKeepsBackingUpByFullPasses() throws Exception {
        for (int i = 0; i < 6; i++) {
            write("d" + i + "/f.txt", "file " + i);
        }
        List<String> limited = List.of("unshare", "--user", "--map-root-user", "sh", "-c",
                "echo 3 > /proc/sys/user/max_inotify_watches && exec \"$0\" \"$@\"");
        Process service = startService(limited);
        String log = logFile();
        assertTrue(log.contains("Cannot watch every folder of src") && log.contains("fs.inotify.max_user_watches")
                && log.contains("is backed up by a full pass every 60 s"), log);
        assertTrue(Files.exists(backup.resolve("src/d5/f.txt")), "the first pass backed everything up");
        Result status = keepwatch("status");
        assertTrue(status.out.contains("POLLING"), status.all());

        write("d5/new.txt", "after the limit");
        // Backed up by the periodic full pass (no event can tell the service about it).
        await().atMost(Duration.ofSeconds(150)).until(() -> afterReady().contains("Full pass of src: Run complete: 1 backed up"));
        assertTrue(afterReady().contains("BACKUP: " + src.resolve("d5/new.txt")), afterReady());
        assertEquals("after the limit", Files.readString(backup.resolve("src/d5/new.txt")));
        service.destroy();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, service.exitValue());
    }

    // ---- a file replaced by a folder of the same name, and back ------------------------------------------

    @Test
    void aFileReplacedByAFolderAndBackWhileTheServiceRuns() throws Exception {
        write("keep.txt", "keeps the source from looking unmounted");
        write("x", "a file");
        Process service = startService(List.of());
        assertEquals("a file", Files.readString(backup.resolve("src/x")));

        Files.delete(src.resolve("x"));
        write("x/inner.txt", "inside");
        await().atMost(DEADLINE).until(() -> Files.isRegularFile(backup.resolve("src/x/inner.txt")));
        assertEquals("inside", Files.readString(backup.resolve("src/x/inner.txt")));
        assertEquals("a file", Files.readString(backup.resolve("_deleted/src/x")));

        Files.delete(src.resolve("x/inner.txt"));
        Files.delete(src.resolve("x"));
        write("x", "a file again");
        await().atMost(DEADLINE).until(() -> Files.isRegularFile(backup.resolve("src/x")));
        assertEquals("a file again", Files.readString(backup.resolve("src/x")));
        assertEquals("inside", Files.readString(backup.resolve("_deleted/src/x.~2~/inner.txt")));
        service.destroy();
        assertTrue(service.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, keepwatch("verify").exit);
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private record Result(int exit, String out, String err) {
        String all() {
            return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private void write(String rel, String content) throws IOException {
        Path p = src.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes zeros until the filesystem refuses more. */
    private static void fill(Path file) {
        byte[] block = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
        }
    }

    private void mountTmpfs(Path at, String size) throws Exception {
        Files.createDirectories(at);
        run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", at.toString());
        mounts.add(0, at);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(Path::toString).toList();
        }
    }

    private String logFile() throws IOException {
        Path log = logs.resolve("keepwatch.log");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private String afterReady() throws IOException {
        String log = logFile();
        return log.substring(log.indexOf(" Ready"));
    }

    private BackupState loadState() throws Exception {
        return new StateStore(new BackupLayout(backup), RealFs.forFileSystem(FileSystems.getDefault()), Clock.systemUTC()).load()
                .orElseThrow();
    }

    private List<String> command(List<String> prefix, String... args) {
        Path jar = Paths.get("target", "keepwatch.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run `mvn package` (or `mvn verify`) first");
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-c", config.toString()));
        return cmd;
    }

    private Result keepwatch(String... args) throws Exception {
        return keepwatch(List.of(), args);
    }

    private Result keepwatch(List<String> prefix, String... args) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = new ProcessBuilder(command(prefix, args)).directory(tmp.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        started.add(p);
        assertTrue(p.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS), String.join(" ", args) + " did not end");
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** {@code keepwatch run}, once it has logged "Ready" (its first full pass is done). */
    private Process startService(List<String> prefix) throws Exception {
        Path console = tmp.resolve("service-" + started.size() + ".log");
        Process p = new ProcessBuilder(command(prefix, "run")).directory(tmp.toFile())
                .redirectErrorStream(true).redirectOutput(console.toFile()).start();
        started.add(p);
        await().atMost(DEADLINE).until(() -> logFile().contains(" Ready") || !p.isAlive());
        assertTrue(p.isAlive(), "the service died: " + Files.readString(console));
        return p;
    }
}
