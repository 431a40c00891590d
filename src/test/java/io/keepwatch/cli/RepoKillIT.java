package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.archive.Importer;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.testing.KeepwatchProcesses;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository and archive commands as separate processes from the fat jar, each stopped with SIGKILL in the
 * middle of its work and run again: export, import, push and prune. After each rerun the result is checked
 * (files byte for byte, {@code check --read-data} clean); a killed export or import never leaves a complete-looking
 * result behind. Also: export piped into import, a wrong key refused with nothing written, and a backup root
 * rebuilt from an archive that {@code once} and {@code verify} accept.
 */
class RepoKillIT {
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path tmp;
    private Path config;
    private KeepwatchProcesses kw;

    @BeforeEach
    void setUp() throws IOException {
        kw = new KeepwatchProcesses(tmp, DEADLINE);
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("small"));
        byte[] block = new byte[1 << 20];
        Random random = new Random(11);
        for (int f = 0; f < 4; f++) {
            try (OutputStream out = Files.newOutputStream(src.resolve("big-" + f + ".bin"))) {
                for (int i = 0; i < 16; i++) {
                    random.nextBytes(block);
                    out.write(block);
                }
            }
        }
        for (int i = 0; i < 50; i++) {
            Files.writeString(src.resolve("small/note-" + i + ".txt"), "note " + i);
        }
        config = tmp.resolve("config.json");
        Files.writeString(config, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"retention\": {\"deleted_max_bytes\": 1}, \"repository\": {\"url\": \"./repo\", \"key_file\": \"./keys/repo.key\"}}");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        kw.close();
    }

    private static long size(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static long count(Path dir, String glob) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().matches(glob)).count();
        } catch (IOException e) {
            return 0;
        }
    }

    private static Map<String, Long> mismatches(Path expected, Path actual) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(expected)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    Path q = actual.resolve(expected.relativize(p).toString());
                    long m = Files.isRegularFile(q) ? Files.mismatch(p, q) : -2;
                    if (m != -1) {
                        out.put(expected.relativize(p).toString(), m);
                    }
                }
            }
        }
        try (Stream<Path> s = Files.walk(actual)) {
            for (Path q : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(q) && !Files.exists(expected.resolve(actual.relativize(q).toString()))) {
                    out.put("extra " + actual.relativize(q), -3L);
                }
            }
        }
        return out;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void exportAndImportKilledAndRunAgain() throws Exception {
        assertEquals(0, kw.run("once", "once", "-c", config.toString()), kw.text("once.err"));
        String cfg = config.toString();

        // export, killed while writing: the archive's name never holds a partial archive
        Path archive = tmp.resolve("out/backup.kwx");
        Files.createDirectories(archive.getParent());
        Path partial = tmp.resolve("out/backup.kwx" + ExportCommand.PARTIAL);
        Process export = kw.start("export1", "export", "-c", cfg, "--to", archive.toString(), "--key-file", "keys/export.key");
        assertTrue(kw.killWhen(export, () -> size(partial) > (16 << 20)), "export ended before it could be killed: " + kw.text("export1.err"));
        assertFalse(Files.exists(archive));
        assertEquals(0, kw.run("export2", "export", "-c", cfg, "--to", archive.toString(), "--key-file", "keys/export.key"), kw.text("export2.err"));
        assertTrue(kw.text("export2.out").startsWith("Exported the backup to " + archive), kw.text("export2.out"));
        assertFalse(Files.exists(partial));

        // a wrong key: exit 1, nothing written
        KeyFile.create(tmp.resolve("keys/other.key"), Optional.empty(), KeyFile.DEFAULT_KDF);
        assertEquals(1, kw.run("wrong", "import", archive.toString(), "--key-file", "keys/other.key", "--to", "wrong"));
        assertTrue(kw.text("wrong.err").contains("wrong key: key file keys/other.key is the key of repository"), kw.text("wrong.err"));
        assertFalse(Files.exists(tmp.resolve("wrong")));

        // import, killed after some objects: nothing but the staging folder is in the target; the rerun goes on
        Path progress = tmp.resolve("imported").resolve(Importer.STAGING).resolve("progress.json");
        Process imp = kw.start("import1", "import", archive.toString(), "--key-file", "keys/export.key", "--to", "imported");
        assertTrue(kw.killWhen(imp, () -> {
            try {
                return Files.isRegularFile(progress) && Files.readString(progress).matches(".*\"objects\":([3-9]|\\d\\d).*");
            } catch (IOException e) {
                return false;
            }
        }), "import ended before it could be killed: " + kw.text("import1.err"));
        assertEquals(List.of(Importer.STAGING), names(tmp.resolve("imported")));
        assertEquals(0, kw.run("import2", "import", archive.toString(), "--key-file", "keys/export.key", "--to", "imported"), kw.text("import2.err"));
        assertTrue(kw.text("import2.out").contains("Resumed an unfinished import at object "), kw.text("import2.out"));
        assertEquals(Map.of(), mismatches(tmp.resolve("src"), tmp.resolve("imported/src")));
        assertFalse(Files.exists(tmp.resolve("imported").resolve(Importer.STAGING)));
        assertTrue(kw.text("import2.err").contains("receiving: "), "plain progress lines when not on a terminal: " + kw.text("import2.err"));

        // export piped into import
        Process pipe = new ProcessBuilder("bash", "-c", String.join(" ", KeepwatchProcesses.java()) + " export -c " + cfg + " --to - --key-file keys/export.key | "
                + String.join(" ", KeepwatchProcesses.java()) + " import - --key-file keys/export.key --to piped").directory(tmp.toFile())
                .redirectOutput(tmp.resolve("pipe.out").toFile()).redirectError(tmp.resolve("pipe.err").toFile()).start();
        kw.track(pipe);
        assertTrue(pipe.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, pipe.exitValue(), kw.text("pipe.err"));
        assertEquals(Map.of(), mismatches(tmp.resolve("src"), tmp.resolve("piped/src")));

        // a whole backup root: once and verify accept it
        assertEquals(0, kw.run("root", "import", archive.toString(), "--key-file", "keys/export.key", "--backup-root", "backup2"), kw.text("root.err"));
        Path config2 = tmp.resolve("config2.json");
        Files.writeString(config2, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup2\", \"log_dir\": \"./logs2\"}");
        assertEquals(0, kw.run("verify2", "verify", "-c", config2.toString()), kw.text("verify2.out") + kw.text("verify2.err"));
        Files.writeString(tmp.resolve("src/small/note-1.txt"), "edited on the new machine");
        assertEquals(0, kw.run("once2", "once", "-c", config2.toString()), kw.text("once2.err"));
        assertEquals("note 1", Files.readString(tmp.resolve("backup2/versions/src/small/note-1.txt/v1.bak")));
    }

    @Test
    void pushAndPruneKilledAndRunAgain() throws Exception {
        String cfg = config.toString();
        assertEquals(0, kw.run("once", "once", "-c", cfg), kw.text("once.err"));
        assertEquals(0, kw.run("init", "init", "-c", cfg), kw.text("init.err"));
        String cache = tmp.resolve("cache").toString();

        Process push = kw.start("push1", "push", "-c", cfg, "--cache-dir", cache);
        assertTrue(kw.killWhen(push, () -> count(tmp.resolve("repo/data"), "[0-9a-f]{64}") >= 2), "push ended before it could be killed");
        assertEquals(0, count(tmp.resolve("repo/snapshots"), ".*"), "a killed push leaves no snapshot");
        assertEquals(0, kw.run("push2", "push", "-c", cfg, "--cache-dir", cache), kw.text("push2.err"));
        assertTrue(kw.text("push2.out").startsWith("Snapshot "), kw.text("push2.out"));
        assertEquals(0, kw.run("check1", "check", "-c", cfg, "--cache-dir", cache, "--read-data"), kw.text("check1.out") + kw.text("check1.err"));

        // half the big files go (deleted_max_bytes 1 lets no deleted copy stay): their chunks become garbage for prune
        for (int f = 0; f < 2; f++) {
            Files.delete(tmp.resolve("src/big-" + f + ".bin"));
        }
        assertEquals(0, kw.run("once2", "once", "-c", cfg), kw.text("once2.err"));
        assertEquals(0, kw.run("push3", "push", "-c", cfg, "--cache-dir", cache), kw.text("push3.err"));
        long packsBefore = count(tmp.resolve("repo/data"), "[0-9a-f]{64}");

        Process prune = kw.start("prune1", "prune", "-c", cfg, "--repo", "--cache-dir", cache, "--keep-last", "1");
        boolean killed = kw.killWhen(prune, () -> count(tmp.resolve("repo/data"), "[0-9a-f]{64}") != packsBefore
                || count(tmp.resolve("repo/index"), ".*") > 1 && count(tmp.resolve("repo/locks"), ".*") > 0);
        assertEquals(0, kw.run("prune2", "prune", "-c", cfg, "--repo", "--cache-dir", cache, "--keep-last", "1"),
                "killed: " + killed + "; " + kw.text("prune2.out") + kw.text("prune2.err"));
        assertEquals(0, kw.run("check2", "check", "-c", cfg, "--cache-dir", cache, "--read-data"), kw.text("check2.out") + kw.text("check2.err"));
        assertFalse(kw.text("check2.out").contains("DAMAGED"), kw.text("check2.out"));
        assertTrue(count(tmp.resolve("repo/data"), "[0-9a-f]{64}") < packsBefore, "prune removed the packs of the deleted files");
        assertEquals(0, kw.run("restore", "restore", "-c", cfg, "--repo", "--cache-dir", cache, "--to", "restored"), kw.text("restore.err"));
        assertEquals(Map.of(), mismatches(tmp.resolve("src"), tmp.resolve("restored/src")));
    }
}
