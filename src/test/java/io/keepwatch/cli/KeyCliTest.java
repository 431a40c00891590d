package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keepwatch key add|passwd}: several key files open one repository; changing a passphrase rewrites only
 * that key file (the repository's files are byte for byte the same); a wrong current passphrase changes nothing.
 */
class KeyCliTest {
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
        Files.createDirectories(tmp.resolve("source"));
        Files.writeString(tmp.resolve("source/report.txt"), "quarterly numbers");
        repo = tmp.resolve("usb/repo");
        key = tmp.resolve("keys/repo.key");
        cfg = tmp.resolve("config.json");
        Files.writeString(cfg, ("{'sources': ['./source'], 'backup_root': './backup', 'log_dir': './logs', "
                + "'repository': {'url': './usb/repo', 'key_file': './keys/repo.key'}}").replace('\'', '"'));
        Files.writeString(tmp.resolve("old.pass"), "old secret\n");
        Files.writeString(tmp.resolve("new.pass"), "new secret\n");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        Run init = run("init", "-c", cfg.toString(), "--passphrase-file", tmp.resolve("old.pass").toString());
        assertEquals(0, init.code(), init.err());
    }

    private Run withKey(String command, Path keyFile, Path passphrase, String... more) {
        String[] base = {command, "-c", cfg.toString(), "--cache-dir", tmp.resolve("cache").toString(), "--key-file", keyFile.toString()};
        String[] args = new String[base.length + more.length + (passphrase == null ? 0 : 2)];
        System.arraycopy(base, 0, args, 0, base.length);
        int i = base.length;
        if (passphrase != null) {
            args[i++] = "--passphrase-file";
            args[i++] = passphrase.toString();
        }
        System.arraycopy(more, 0, args, i, more.length);
        return run(args);
    }

    private static Map<String, String> files(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(root.relativize(p).toString(), java.util.HexFormat.of().formatHex(Files.readAllBytes(p)));
                }
            }
        }
        return out;
    }

    @Test
    void anotherKeyFileOpensTheSameRepository() throws Exception {
        Path second = tmp.resolve("elsewhere/second.key");
        Run add = run("key", "add", "-c", cfg.toString(), "--key-file", key.toString(), "--passphrase-file", tmp.resolve("old.pass").toString(),
                "--new-key-file", second.toString());
        assertEquals(0, add.code(), add.err());
        assertTrue(add.out().startsWith("Wrote key file " + second + " for repository "), add.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(second)));
        Run push = withKey("push", second, null);
        assertEquals(0, push.code(), push.err());
        assertEquals(0, withKey("check", key, tmp.resolve("old.pass"), "--read-data").code());

        // an existing file is refused and left as it is
        String before = Files.readString(second);
        Run again = run("key", "add", "-c", cfg.toString(), "--key-file", key.toString(), "--passphrase-file", tmp.resolve("old.pass").toString(),
                "--new-key-file", second.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("a key file is already there"), again.err());
        assertEquals(before, Files.readString(second));
    }

    @Test
    void passwdRewritesOnlyTheKeyFile() throws Exception {
        assertEquals(0, withKey("push", key, tmp.resolve("old.pass")).code());
        Map<String, String> repoBefore = files(repo);

        // a wrong current passphrase: exit 1, the key file unchanged
        String keyBefore = Files.readString(key);
        Run wrong = run("key", "passwd", "-c", cfg.toString(), "--key-file", key.toString(), "--passphrase-file", tmp.resolve("new.pass").toString(),
                "--new-passphrase-file", tmp.resolve("new.pass").toString());
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("wrong passphrase for key file " + key), wrong.err());
        assertEquals(keyBefore, Files.readString(key));

        Run passwd = run("key", "passwd", "-c", cfg.toString(), "--key-file", key.toString(), "--passphrase-file", tmp.resolve("old.pass").toString(),
                "--new-passphrase-file", tmp.resolve("new.pass").toString());
        assertEquals(0, passwd.code(), passwd.err());
        assertTrue(passwd.out().contains("is now protected by the new passphrase; nothing in the repository changed"), passwd.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertFalse(Files.exists(key.resolveSibling("repo.key.new")));
        assertEquals(repoBefore, files(repo), "the repository is byte for byte the same");

        Run old = withKey("check", key, tmp.resolve("old.pass"));
        assertEquals(1, old.code());
        assertTrue(old.err().contains("wrong passphrase"), old.err());
        assertEquals(0, withKey("check", key, tmp.resolve("new.pass")).code());

        // and without a passphrase
        Run none = run("key", "passwd", "-c", cfg.toString(), "--key-file", key.toString(), "--passphrase-file", tmp.resolve("new.pass").toString(),
                "--no-passphrase");
        assertEquals(0, none.code(), none.err());
        assertEquals(0, withKey("check", key, null).code());
        assertEquals(repoBefore, files(repo));
    }
}
