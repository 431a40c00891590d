package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository commands on real folders, as a user runs them: init, push, check, restore --repo; a new machine
 * with only the config and the key file; tampering with the repository, each damage named with what it affects;
 * wrong keys and passphrases refused with exit 1 and nothing written.
 */
class RepoCliTest {
    @TempDir
    Path tmp;

    private Path cfg;
    private Path repo;
    private Path key;

    record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(tmp.resolve("source/notes"));
        Files.writeString(tmp.resolve("source/report.txt"), "quarterly numbers");
        Files.writeString(tmp.resolve("source/notes/todo.txt"), "buy milk");
        repo = tmp.resolve("usb/repo");
        key = tmp.resolve("keys/repo.key");
        cfg = tmp.resolve("config.json");
        Files.writeString(cfg, ("{'sources': ['./source'], 'backup_root': './backup', 'log_dir': './logs', "
                + "'repository': {'url': './usb/repo', 'key_file': './keys/repo.key'}}").replace('\'', '"'));
    }

    private Run kw(String command, String... more) {
        String[] args = new String[more.length + 5];
        args[0] = command;
        args[1] = "-c";
        args[2] = cfg.toString();
        args[3] = "--cache-dir";
        args[4] = tmp.resolve("cache").toString();
        System.arraycopy(more, 0, args, 5, more.length);
        return run(args);
    }

    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(root.relativize(p).toString(), Files.readString(p, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }

    private List<Path> packs() throws IOException {
        try (Stream<Path> s = Files.walk(repo.resolve("data"))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private void initAndPush() throws IOException {
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        Run init = kw("init");
        assertEquals(0, init.code(), init.err());
        assertTrue(init.out().startsWith("Created repository "), init.out());
        Run push = kw("push");
        assertEquals(0, push.code(), push.err());
        assertTrue(push.out().startsWith("Snapshot "), push.out());
    }

    @Test
    void initPushCheckAndRestoreOnANewMachine() throws Exception {
        initAndPush();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(packs().get(0))));
        assertFalse(new String(Files.readAllBytes(packs().get(0)), StandardCharsets.ISO_8859_1).contains("quarterly"));

        // init again refuses both the repository and the key file, and changes neither.
        Map<String, String> repoBefore = tree(repo);
        String keyBefore = Files.readString(key);
        Run again = kw("init");
        assertEquals(1, again.code());
        assertTrue(again.err().contains("it is not empty"), again.err());
        assertEquals(repoBefore, tree(repo));
        assertEquals(keyBefore, Files.readString(key));

        // A second push of an unchanged backup makes no snapshot.
        Run same = kw("push");
        assertEquals(0, same.code(), same.err());
        assertTrue(same.out().startsWith("Nothing changed since snapshot "), same.out());

        Run check = kw("check", "--read-data");
        assertEquals(0, check.code(), check.out());
        assertTrue(check.out().contains("No damage: 1 snapshot(s), 1 pack(s), 1 read"), check.out());

        // A new machine: only the config (whose source and backup folders do not exist there) and the key file.
        Path other = tmp.resolve("newmachine");
        Files.createDirectories(other.resolve("keys"));
        Files.copy(key, other.resolve("keys/repo.key"));
        Files.writeString(other.resolve("config.json"), ("{'sources': ['/nonexistent/source'], 'backup_root': '/nonexistent/backup', "
                + "'repository': {'url': '" + repo + "', 'key_file': './keys/repo.key'}}").replace('\'', '"'));
        Run restore = run("restore", "-c", other.resolve("config.json").toString(), "--repo", "--to", other.resolve("restored").toString(),
                "--cache-dir", other.resolve("cache").toString());
        assertEquals(0, restore.code(), restore.err());
        assertTrue(restore.out().startsWith("Restored 2 of 2 file(s)"), restore.out());
        assertEquals(Map.of("source/report.txt", "quarterly numbers", "source/notes/todo.txt", "buy milk"), tree(other.resolve("restored")));

        // One version, by --source/--path/--version, after an edit.
        Files.writeString(tmp.resolve("source/report.txt"), "revised numbers");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        assertEquals(0, kw("push").code());
        Run v = kw("restore", "--repo", "--to", tmp.resolve("v1").toString(), "--path", "report.txt", "--version", "1");
        assertEquals(0, v.code(), v.err());
        assertEquals(Map.of("report.txt", "quarterly numbers"), tree(tmp.resolve("v1")));
    }

    @Test
    void aFlippedByteInAPackIsNamedWithTheFilesItAffects() throws Exception {
        initAndPush();
        Path pack = packs().get(0);
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            f.seek(40);
            int b = f.read();
            f.seek(40);
            f.write(b ^ 1);
        }
        assertEquals(0, kw("check").code(), "the structure is intact; only reading the data finds the flipped byte");
        Run check = kw("check", "--read-data");
        assertEquals(2, check.code(), check.out());
        String name = repo.relativize(pack).toString();
        assertTrue(check.out().contains("DAMAGED " + name + ": blob "), check.out());
        assertTrue(check.out().contains("does not decrypt"), check.out());
        assertTrue(check.out().contains("  affects "), check.out());
        Run restore = kw("restore", "--repo", "--to", tmp.resolve("r").toString());
        assertEquals(2, restore.code(), restore.out() + restore.err());
        assertTrue(restore.err().contains("cannot be restored"), restore.err());
    }

    @Test
    void aTruncatedPackAndALostIndexAreNamed() throws Exception {
        initAndPush();
        Path index;
        try (Stream<Path> s = Files.list(repo.resolve("index"))) {
            index = s.findFirst().orElseThrow();
        }
        Files.delete(index);
        Run lost = kw("check");
        assertEquals(2, lost.code(), lost.out());
        String name = repo.relativize(packs().get(0)).toString();
        assertTrue(lost.out().contains("DAMAGED " + name + ": listed in no index object"), lost.out());
        assertTrue(lost.out().contains("affects current copy of source/report.txt"), lost.out());

        // A push writes the index again from the pack's header; then a truncation is found.
        assertEquals(0, kw("push").code());
        assertEquals(0, kw("check").code());
        try (RandomAccessFile f = new RandomAccessFile(packs().get(0).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        Run cut = kw("check");
        assertEquals(2, cut.code(), cut.out());
        assertTrue(cut.out().contains("DAMAGED " + name + ": pack " + name + " is truncated"), cut.out());
        assertTrue(cut.out().contains("affects everything in folder source/"), cut.out());
    }

    @Test
    void aWrongKeyOrPassphraseIsRefusedAndNothingIsWritten() throws Exception {
        initAndPush();
        Path otherKey = tmp.resolve("keys/other.key");
        Path pass = tmp.resolve("keys/pass.txt");
        Files.writeString(pass, "correct horse\n");
        Run other = run("init", "--repo", tmp.resolve("other-repo").toString(), "--key-file", otherKey.toString(),
                "--passphrase-file", pass.toString());
        assertEquals(0, other.code(), other.err());
        assertFalse(Files.readString(otherKey).contains("\"key\""), "the key is wrapped");

        Map<String, String> before = tree(repo);
        Run wrongKey = kw("push", "--key-file", otherKey.toString(), "--passphrase-file", pass.toString());
        assertEquals(1, wrongKey.code());
        assertTrue(wrongKey.err().contains("does not open the repository"), wrongKey.err());
        assertEquals(before, tree(repo));

        Files.writeString(pass, "battery staple\n");
        Run wrongPass = run("check", "--repo", tmp.resolve("other-repo").toString(), "--key-file", otherKey.toString(),
                "--passphrase-file", pass.toString());
        assertEquals(1, wrongPass.code());
        assertTrue(wrongPass.err().contains("wrong passphrase for key file " + otherKey), wrongPass.err());
    }

    @Test
    void pruneKeepsTheNewestSnapshotWhole() throws Exception {
        initAndPush();
        Files.writeString(tmp.resolve("source/report.txt"), "revised numbers");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        assertEquals(0, kw("push").code());
        Run dry = kw("prune", "--repo", "--keep-last", "1", "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().startsWith("Would remove 1 snapshot(s)"), dry.out());
        Run prune = kw("prune", "--repo", "--keep-last", "1");
        assertEquals(0, prune.code(), prune.err());
        assertTrue(prune.out().startsWith("Removed 1 snapshot(s)"), prune.out());
        Run check = kw("check", "--read-data");
        assertEquals(0, check.code(), check.out());
        assertTrue(check.out().contains("No damage: 1 snapshot(s)"), check.out());
        assertEquals(64, kw("prune", "--repo", "--keep-last", "0").code());
    }
}
