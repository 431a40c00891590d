package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.keepwatch.history.HistoryStore;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands run by hand (verify, check, push, prune, export, import, restore) land in the run history as
 * {@code keepwatch history --json} shows it, with their figures; their failures and damage are mailed through a real
 * SMTP server; a command without a config file records nothing; a row lands while the service's writer holds the
 * database.
 */
class HandRunHistoryTest {
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    Path tmp;

    private Path cfg;

    record Run(int code, String out, String err) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** {@code command -c config --cache-dir ... more}. */
    private Run kw(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "-c", cfg.toString()));
        if (List.of("push", "check", "init").contains(command) || List.of(more).contains("--repo")) {
            args.addAll(List.of("--cache-dir", tmp.resolve("cache").toString()));
        }
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(tmp.resolve("source/notes"));
        Files.writeString(tmp.resolve("source/report.txt"), "quarterly numbers");
        Files.writeString(tmp.resolve("source/notes/todo.txt"), "buy milk");
        cfg = tmp.resolve("config.json");
        Files.writeString(cfg, ("{'sources': ['./source'], 'backup_root': './backup', 'log_dir': './logs', "
                + "'repository': {'url': './repo', 'key_file': './keys/repo.key'}, "
                + "'notify': {'email': {'smtp_host': '127.0.0.1', 'smtp_port': " + SMTP.getSmtp().getPort()
                + ", 'security': 'none', 'from': 'keepwatch@example.org', 'to': ['ops@example.org']}}}").replace('\'', '"'));
    }

    /** The jobs {@code keepwatch history --json} lists. */
    private JsonNode jobs() throws IOException {
        Run h = run("history", "-c", cfg.toString(), "--json");
        assertEquals(0, h.code(), h.err());
        return new ObjectMapper().readTree(h.out()).get("jobs");
    }

    private static JsonNode last(JsonNode jobs) {
        return jobs.get(jobs.size() - 1);
    }

    private static void assertJob(JsonNode j, String job, String outcome, long files, long bytes, long damage) {
        assertEquals(job, j.get("job").asText(), j.toString());
        assertEquals("COMMAND", j.get("trigger").asText(), j.toString());
        assertEquals(outcome, j.get("outcome").asText(), j.toString());
        assertEquals(files, j.get("files").asLong(), j.toString());
        assertEquals(bytes, j.get("bytes").asLong(), j.toString());
        assertEquals(damage, j.get("damage").asLong(), j.toString());
        assertTrue(j.get("seconds").asDouble() >= 0, j.toString());
    }

    @Test
    void eachCommandRunByHandIsARowWithItsFigures() throws Exception {
        assertEquals(0, kw("once").code());
        assertEquals(0, jobs().size(), "once is a pass, not a job");

        assertEquals(0, kw("verify").code());
        JsonNode verify = last(jobs());
        assertJob(verify, "verify", "OK", 2, 25, 0);
        assertTrue(verify.get("summary").asText().startsWith("2 file(s) checked, 25 B; every file matches state.json"), verify.toString());

        assertEquals(0, kw("init").code());
        assertEquals(1, jobs().size(), "init is not a job");
        Run push = kw("push");
        assertEquals(0, push.code(), push.err());
        JsonNode pushed = last(jobs());
        assertEquals("push", pushed.get("job").asText());
        assertEquals(2, pushed.get("files").asLong(), "contents read");
        assertTrue(pushed.get("bytes").asLong() > 0, "bytes added to the repository: " + pushed);
        assertTrue(pushed.get("summary").asText().matches("snapshot [0-9a-f]{8} saved: 2 content\\(s\\) read .*"), pushed.toString());

        assertEquals(0, kw("check", "--read-data").code());
        JsonNode check = last(jobs());
        assertEquals("check", check.get("job").asText());
        assertEquals(1, check.get("files").asLong(), "packs read");
        assertEquals(0, check.get("damage").asLong());

        Files.writeString(tmp.resolve("source/report.txt"), "quarterly numbers, revised");
        assertEquals(0, kw("once").code());
        assertEquals(0, kw("prune", "--dry-run").code());
        assertEquals(3, jobs().size(), "a dry run is not recorded");
        assertEquals(0, kw("prune").code());
        assertJob(last(jobs()), "prune", "OK", 0, 0, 0);

        Path archive = tmp.resolve("usb/backup.kwx");
        Files.createDirectories(archive.getParent());
        assertEquals(0, kw("export", "--to", archive.toString(), "--key-file", tmp.resolve("keys/export.key").toString()).code());
        JsonNode export = last(jobs());
        assertEquals("export", export.get("job").asText());
        assertEquals("OK", export.get("outcome").asText());
        assertTrue(export.get("summary").asText().startsWith("archive " + archive + ": "), export.toString());

        Run imported = kw("import", archive.toString(), "--key-file", tmp.resolve("keys/export.key").toString(), "--to",
                tmp.resolve("imported").toString());
        assertEquals(0, imported.code(), imported.err());
        assertJob(last(jobs()), "import", "OK", 2, 34, 0);

        assertEquals(0, kw("restore", "--to", tmp.resolve("restored").toString()).code());
        assertJob(last(jobs()), "restore", "OK", 2, 34, 0);
        assertEquals(0, kw("restore", "--repo", "--to", tmp.resolve("from-repo").toString()).code());
        assertJob(last(jobs()), "restore --repo", "OK", 2, 25, 0);

        Run table = run("history", "-c", cfg.toString());
        assertTrue(table.out().contains("Jobs (scheduled, and commands run by hand):"), table.out());
        assertTrue(table.out().matches("(?s).*\n\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +[0-9.]+ s  verify +by hand +OK +2 file\\(s\\) checked.*"),
                table.out());
        assertEquals(0, SMTP.getReceivedMessages().length, "nothing went wrong: nothing to tell");
    }

    @Test
    void damageAndFailuresRunByHandAreRecordedAndMailedOnce() throws Exception {
        assertEquals(0, kw("once").code());
        Files.writeString(tmp.resolve("backup/source/report.txt"), "quarterly numberz"); // same size, one byte flipped
        Run verify = kw("verify");
        assertEquals(2, verify.code());
        JsonNode damaged = last(jobs());
        assertJob(damaged, "verify", "PARTIAL", 2, 25, 1);
        assertTrue(damaged.get("problems").get(0).asText().startsWith("CORRUPTED source/report.txt"), damaged.toString());
        assertEquals(2, kw("verify").code());

        MimeMessage[] got = SMTP.getReceivedMessages();
        assertEquals(1, got.length, "told once, not once per run");
        assertTrue(got[0].getSubject().matches("keepwatch on .+: keepwatch verify found DAMAGE"), got[0].getSubject());
        String text = (String) ((MimeMultipart) got[0].getContent()).getBodyPart(0).getContent();
        assertTrue(text.contains("`keepwatch verify`, run by hand, started at "), text);
        assertTrue(text.contains("  CORRUPTED source/report.txt"), text);

        Run push = kw("push"); // no repository was made: it cannot run
        assertEquals(1, push.code());
        JsonNode failed = last(jobs());
        assertJob(failed, "push", "FAILED", 0, 0, 0);
        assertTrue(failed.get("summary").asText().startsWith("could not run: "), failed.toString());
        assertEquals(2, SMTP.getReceivedMessages().length);
        assertTrue(SMTP.getReceivedMessages()[1].getSubject().endsWith(": keepwatch push FAILED"), SMTP.getReceivedMessages()[1].getSubject());

        Files.writeString(tmp.resolve("backup/source/report.txt"), "quarterly numbers");
        assertEquals(0, kw("verify").code());
        got = SMTP.getReceivedMessages();
        assertEquals(3, got.length);
        assertTrue(got[2].getSubject().endsWith(": keepwatch verify OK again"), got[2].getSubject());

        Run usage = kw("verify", "--no-such-option");
        assertEquals(64, usage.code());
        assertEquals(4, jobs().size(), "a wrong command line did not run: no row");
    }

    @Test
    void aCommandWithoutAConfigFileRecordsNothing() throws Exception {
        assertEquals(0, kw("once").code());
        assertEquals(0, kw("init").code());
        assertEquals(0, kw("push").code());
        int before = jobs().size();
        Path none = tmp.resolve("no-such-config.json");
        Run check = run("check", "-c", none.toString(), "--repo", tmp.resolve("repo").toString(), "--key-file",
                tmp.resolve("keys/repo.key").toString(), "--cache-dir", tmp.resolve("cache").toString());
        assertEquals(0, check.code(), check.err());
        assertEquals(before, jobs().size());
        assertTrue(Files.notExists(none));
    }

    @Test
    void aRowLandsWhileTheServicesWriterHoldsTheDatabase() throws Exception {
        assertEquals(0, kw("once").code());
        Path db = HistoryStore.fileIn(tmp.resolve("backup/.keepwatch"));
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Throwable> lockerFailed = new AtomicReference<>();
        // The service's writer is open, and in a write transaction when the command starts.
        try (HistoryStore service = HistoryStore.open(db, Clock.systemUTC())) {
            Thread locker = new Thread(() -> {
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout = 5000");
                    s.execute("BEGIN IMMEDIATE");
                    s.execute("INSERT INTO failures (at, source, path, reason, message) VALUES (0, 'source', 'x', 'OTHER', 'held')");
                    locked.countDown();
                    release.await(10, TimeUnit.SECONDS);
                    s.execute("COMMIT");
                } catch (Exception e) {
                    lockerFailed.set(e);
                    locked.countDown();
                }
            });
            locker.start();
            assertTrue(locked.await(10, TimeUnit.SECONDS));
            // The command waits for the lock (up to 5 s); the transaction ends meanwhile, from another thread.
            Thread releaser = new Thread(() -> {
                try {
                    // Not synchronisation: how long the other writer holds its transaction, the condition under
                    // test (the command must wait for it, up to 5 s); the assertions wait on joins and the result.
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                release.countDown();
            });
            releaser.start();
            Run verify = kw("verify");
            locker.join();
            releaser.join();
            assertEquals(null, lockerFailed.get());
            assertEquals(0, verify.code(), verify.err());
            JsonNode jobs = jobs();
            assertEquals(1, jobs.size(), "the row landed: " + verify.err());
            assertJob(jobs.get(0), "verify", "OK", 2, 25, 0);
            assertTrue(service.file().toFile().exists());
        }
    }
}
