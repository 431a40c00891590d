package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.keepwatch.config.S3Config;
import io.keepwatch.repo.BlobStore;
import io.keepwatch.repo.Lock;
import io.keepwatch.repo.Repository;
import io.keepwatch.s3.S3ProxyServer;
import io.keepwatch.s3.Stores;
import io.keepwatch.testing.LogCapture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The repository commands on {@code s3:} URLs against a real S3 server (S3Proxy, started here): init, push, check
 * --read-data-subset, prune, restore --at on a new machine; several hosts and the prune lock; append-only; and
 * the secret access key never in a log line or a message.
 */
class S3RepoCliTest {
    @TempDir
    static Path shared;
    static S3ProxyServer server;
    static Path credentials;

    @TempDir
    Path tmp;
    private Path cfg;
    private String url;

    @BeforeAll
    static void start() throws Exception {
        server = new S3ProxyServer(shared.resolve("s3"), "backups");
        credentials = S3ProxyServer.credentialsFile(shared.resolve("aws/credentials"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A repository entry for {@code url}, with the test's credentials file and {@code more} S3 settings. */
    static String repositoryEntry(String url, String keyFile, Path creds, String more) {
        return ("'repository': {'url': '" + url + "', 'key_file': '" + keyFile + "', 's3': {'credentials_file': '" + creds
                + "', 'part_size_mib': 5, 'retry_max_seconds': 60" + more + "}}").replace('\'', '"');
    }

    @BeforeEach
    void setUp() throws IOException {
        url = server.url("backups/" + tmp.getFileName());
        Files.createDirectories(tmp.resolve("source/docs"));
        cfg = writeConfig(tmp, "");
    }

    private Path writeConfig(Path dir, String more) throws IOException {
        Path c = dir.resolve("config.json");
        Files.writeString(c, ("{'sources': ['./source'], 'backup_root': './backup', 'log_dir': './logs', ").replace('\'', '"')
                + repositoryEntry(url, "./keys/repo.key", credentials, more) + "}");
        return c;
    }

    /** A command with {@code -c config} and a cache folder beside the config. */
    static Run kw(Path config, String command, String... more) {
        String[] args = new String[more.length + 5];
        args[0] = command;
        args[1] = "-c";
        args[2] = config.toString();
        args[3] = "--cache-dir";
        args[4] = config.getParent().resolve("cache").toString();
        System.arraycopy(more, 0, args, 5, more.length);
        return run(args);
    }

    static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(root.relativize(p).toString(), Files.readString(p, StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }

    private void write(String rel, String content) throws IOException {
        Files.writeString(tmp.resolve("source").resolve(rel), content, StandardCharsets.ISO_8859_1);
    }

    /** Backs up and pushes; returns the moment after, for --at (and waits until the wall clock is in a later second). */
    private Instant backUpAndPush() {
        Run once = run("once", "-c", cfg.toString());
        assertEquals(0, once.code(), once.err());
        Run push = kw(cfg, "push");
        assertEquals(0, push.code(), push.out() + push.err());
        assertTrue(push.out().startsWith("Snapshot "), push.out());
        Instant at = Instant.now();
        Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().getEpochSecond() > at.getEpochSecond());
        return at;
    }

    @Test
    void historyThroughS3RestoresExactlyOnANewMachineAtEachPinnedTime() throws Exception {
        byte[] big = new byte[6 << 20]; // more than part_size_mib: its pack goes up in parts
        new Random(16).nextBytes(big);
        Files.write(tmp.resolve("source/big.bin"), big);
        write("a.txt", "one");
        write("docs/b.txt", "bee");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        Run init = kw(cfg, "init");
        assertEquals(0, init.code(), init.err());
        assertTrue(init.out().contains("in " + url + ";"), init.out());
        Map<Instant, Map<String, String>> pinned = new LinkedHashMap<>();
        pinned.put(backUpAndPush(), tree(tmp.resolve("source")));
        write("a.txt", "two");
        Files.delete(tmp.resolve("source/docs/b.txt"));
        pinned.put(backUpAndPush(), tree(tmp.resolve("source")));
        write("a.txt", "three, longer");
        write("docs/c.txt", "sea");
        pinned.put(backUpAndPush(), tree(tmp.resolve("source")));

        Run subset = kw(cfg, "check", "--read-data-subset", "5%");
        assertEquals(0, subset.code(), subset.out() + subset.err());
        assertTrue(subset.out().startsWith("No damage: 3 snapshot(s), "), subset.out());
        Run all = kw(cfg, "check", "--read-data");
        assertEquals(0, all.code(), all.out() + all.err());

        // A new machine: an empty folder with the config (its sources do not exist there), the key and the credentials.
        Path other = tmp.resolve("new-machine");
        Files.createDirectories(other.resolve("keys"));
        Files.copy(tmp.resolve("keys/repo.key"), other.resolve("keys/repo.key"));
        Files.writeString(other.resolve("config.json"), "{\"sources\": [\"/nonexistent/source\"], \"backup_root\": \"/nonexistent/backup\", "
                + repositoryEntry(url, "./keys/repo.key", credentials, "") + "}");
        for (Map.Entry<Instant, Map<String, String>> p : pinned.entrySet()) {
            Path to = other.resolve("at-" + p.getKey().toEpochMilli());
            Run r = kw(other.resolve("config.json"), "restore", "--repo", "--to", to.toString(), "--at", p.getKey().toString());
            assertEquals(0, r.code(), r.err());
            assertEquals(p.getValue(), tree(to.resolve("source")), "--at " + p.getKey());
        }

        // prune keeps the newest snapshot, which still restores every pinned moment.
        Run prune = kw(cfg, "prune", "--repo", "--keep-last", "1");
        assertEquals(0, prune.code(), prune.out() + prune.err());
        assertTrue(prune.out().startsWith("Removed 2 snapshot(s)"), prune.out());
        assertEquals(0, kw(cfg, "check", "--read-data").code());
        for (Map.Entry<Instant, Map<String, String>> p : pinned.entrySet()) {
            Path to = other.resolve("pruned-" + p.getKey().toEpochMilli());
            Run r = kw(other.resolve("config.json"), "restore", "--repo", "--to", to.toString(), "--at", p.getKey().toString());
            assertEquals(0, r.code(), r.err());
            assertEquals(p.getValue(), tree(to.resolve("source")), "after prune, --at " + p.getKey());
        }
    }

    @Test
    void theSecretKeyIsNeverInALogLineOrAMessage() throws Exception {
        write("a.txt", "one");
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        String wrongSecret = "Wr0ng-s3cret-that-must-never-be-logged";
        Path badCreds = tmp.resolve("bad/credentials");
        Files.createDirectories(badCreds.getParent());
        Files.writeString(badCreds, "[default]\naws_access_key_id = " + S3ProxyServer.ACCESS_KEY + "\naws_secret_access_key = " + wrongSecret + "\n");
        Path badCfg = tmp.resolve("bad/config.json");
        Files.writeString(badCfg, ("{'sources': ['" + tmp.resolve("source") + "'], 'backup_root': '" + tmp.resolve("backup") + "', ")
                .replace('\'', '"') + repositoryEntry(url, tmp.resolve("keys/repo.key").toString(), badCreds, "") + "}");

        // The commands: their output, and the log file (where every command of this JVM logs since `once` set it up).
        Run init = kw(cfg, "init");
        assertEquals(0, init.code(), init.err());
        Run ok = kw(cfg, "push");
        assertEquals(0, ok.code(), ok.err());
        Run wrong = kw(badCfg, "push");
        assertEquals(1, wrong.code(), wrong.out() + wrong.err());
        assertTrue(wrong.err().contains("HTTP 403"), wrong.err());
        List<String> texts = new java.util.ArrayList<>(List.of(init.out(), init.err(), ok.out(), ok.err(), wrong.out(), wrong.err(),
                Files.readString(tmp.resolve("logs/keepwatch.log")),
                Files.readString(cfg), Files.readString(badCfg)));

        // The store itself with the SDK logging at DEBUG (every request it sends, every answer), right and wrong key.
        Logger sdk = (Logger) LoggerFactory.getLogger("software.amazon.awssdk");
        Level was = sdk.getLevel();
        sdk.setLevel(Level.DEBUG);
        try (LogCapture log = new LogCapture()) {
            try (BlobStore s = Stores.open(url, s3Config())) {
                assertTrue(s.putIfAbsent("locks/secret-test", new byte[] {1}));
                s.list("");
                s.delete("locks/secret-test");
            }
            S3Config d = s3Config();
            S3Config bad = new S3Config(d.region(), Optional.empty(), Optional.of(badCreds), Optional.empty(), false, 2, 0, d.partSize(),
                    d.retryFor(), false, Optional.empty());
            try (BlobStore s = Stores.open(url, bad)) {
                IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> s.putIfAbsent("locks/x", new byte[1]));
                texts.add(e.getMessage());
                texts.add(java.util.Arrays.toString(e.getStackTrace()));
            }
            List<String> lines = log.lines();
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("DEBUG") && l.contains("locks/secret-test")), "the SDK logged its requests at DEBUG");
            texts.addAll(lines);
        } finally {
            sdk.setLevel(was);
        }
        for (String secret : List.of(S3ProxyServer.SECRET_KEY, wrongSecret)) {
            for (String t : texts) {
                assertFalse(t.contains(secret), "the secret is in: " + t);
            }
        }
    }

    @Test
    void severalHostsShareOnePrefixAndPruneWaitsForAnotherHostsFreshLock() throws Exception {
        write("a.txt", "shared content ".repeat(1000));
        assertEquals(0, run("once", "-c", cfg.toString()).code());
        assertEquals(0, kw(cfg, "init").code());
        assertEquals(0, kw(cfg, "push", "--host", "laptop").code());
        Run second = kw(cfg, "push", "--host", "desktop");
        assertEquals(0, second.code(), second.err());
        assertTrue(second.out().contains("0 content(s) read"), "the other host's chunks are there already: " + second.out());

        Clock now = Clock.systemUTC();
        Clock longAgo = Clock.fixed(now.instant().minus(Lock.STALE).minusSeconds(60), ZoneOffset.UTC);
        try (Repository repo = Repository.open(Stores.open(url, s3Config()), tmp.resolve("keys/repo.key"), Optional.empty(),
                Optional.empty())) {
            try (Lock fresh = Lock.take(repo, now, "desktop", false)) {
                Run refused = kw(cfg, "prune", "--repo");
                assertEquals(1, refused.code(), refused.out() + refused.err());
                assertTrue(refused.err().contains("is locked by a push on desktop"), refused.err());
            }
            Lock.take(repo, longAgo, "crashed-host", false); // never released: a host that died
            Run pruned = kw(cfg, "prune", "--repo");
            assertEquals(0, pruned.code(), pruned.out() + pruned.err());
            assertTrue(pruned.out().contains("1 stale lock(s) removed"), pruned.out());
            assertEquals(List.of(), repo.store().list("locks/"));
        }
    }

    private S3Config s3Config() {
        S3Config d = S3Config.defaults();
        return new S3Config(d.region(), Optional.empty(), Optional.of(credentials), Optional.empty(), false, 2, 0, d.partSize(),
                Duration.ofSeconds(30), false, Optional.empty());
    }

    @Test
    void anAppendOnlyRepositoryIsPushedToButNeverPrunedFromThere() throws Exception {
        write("a.txt", "one");
        Path appendCfg = writeConfig(tmp, ", 'append_only': true");
        assertEquals(0, run("once", "-c", appendCfg.toString()).code());
        assertEquals(0, kw(appendCfg, "init").code());
        assertEquals(0, kw(appendCfg, "push").code());
        write("a.txt", "two");
        assertEquals(0, run("once", "-c", appendCfg.toString()).code());
        Run again = kw(appendCfg, "push");
        assertEquals(0, again.code(), "the first push's lock is released by its marker: " + again.err());
        List<BlobStore.Entry> before;
        try (BlobStore s = Stores.open(url, s3Config())) {
            before = s.list("");
        }
        Run refused = kw(appendCfg, "prune", "--repo", "--keep-last", "1");
        assertEquals(1, refused.code(), refused.out() + refused.err());
        assertTrue(refused.err().contains("it is append-only (repository.s3.append_only), so keepwatch deletes nothing there; "
                + "run prune from a trusted machine"), refused.err());
        try (BlobStore s = Stores.open(url, s3Config())) {
            assertEquals(before, s.list(""), "nothing written or deleted");
        }
        // The trusted machine (its config without append_only) prunes, and removes the released locks with their markers.
        Path trusted = writeConfig(tmp, "");
        Run pruned = kw(trusted, "prune", "--repo", "--keep-last", "1");
        assertEquals(0, pruned.code(), pruned.out() + pruned.err());
        assertTrue(pruned.out().startsWith("Removed 1 snapshot(s)"), pruned.out());
        assertTrue(pruned.out().contains("2 stale lock(s) removed"), pruned.out());
        try (BlobStore s = Stores.open(url, s3Config())) {
            assertEquals(List.of(), s.list("locks/"));
        }
        assertEquals(0, kw(trusted, "check", "--read-data").code());
    }
}
