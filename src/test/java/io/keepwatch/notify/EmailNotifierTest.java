package io.keepwatch.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.keepwatch.config.NotifyConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Messages through a real SMTP server (GreenMail on 127.0.0.1), driven by engine events with a pinned clock. */
class EmailNotifierTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("kw", "right-password"));

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T0);

    private Notifier notifier(String password) throws Exception {
        NotifyConfig.Email email = new NotifyConfig.Email("127.0.0.1", SMTP.getSmtp().getPort(), NotifyConfig.Security.NONE,
                Optional.of("kw"), Optional.empty(), "keepwatch@example.org", List.of("ops@example.org"));
        NotifyConfig cfg = new NotifyConfig(Optional.of(email), Optional.empty(), Duration.ofMinutes(60), Duration.ofHours(24),
                NotifyConfig.Summary.NONE);
        Path log = dir.resolve("keepwatch.log");
        Files.writeString(log, "2026-03-01 09:59:59.000 INFO  [main] BACKUP: /data/docs/a.txt → docs/a.txt\n"
                + "2026-03-01 09:59:59.500 ERROR [main] FAILED: docs/secret.txt: AccessDeniedException: /data/docs/secret.txt\n"
                + "2026-03-01 09:59:59.600 INFO  [main] BACKUP: /data/photos/b.jpg → photos/b.jpg\n");
        return new Notifier(new Alerts(cfg, Optional.of(T0.minus(Duration.ofHours(5))), T0),
                List.of(new EmailChannel(email, Optional.of(password))), clock, "backuphost", new LogTail(log));
    }

    /** A pass of source docs with one unreadable file, as the engine reports it. */
    private void partialPass(Notifier n) {
        Instant start = clock.instant();
        n.on(new EngineEvent.PassStarted(start, Trigger.FULL_PASS, List.of("docs")));
        n.on(new EngineEvent.Failure(start, "docs", "secret.txt", FailureReason.PERMISSION,
                "docs/secret.txt: AccessDeniedException: /data/docs/secret.txt"));
        clock.advance(Duration.ofSeconds(2));
        n.on(new EngineEvent.PassFinished(clock.instant(), Trigger.FULL_PASS, List.of("docs"), start,
                new Counts(1, 0, 0, 0, 5, 1, 0, 10), List.of(), Outcome.PARTIAL, Optional.empty()));
    }

    private void okPass(Notifier n) {
        Instant start = clock.instant();
        n.on(new EngineEvent.PassStarted(start, Trigger.BATCH, List.of("docs")));
        clock.advance(Duration.ofSeconds(1));
        n.on(new EngineEvent.PassFinished(clock.instant(), Trigger.BATCH, List.of("docs"), start,
                new Counts(0, 1, 0, 0, 0, 0, 0, 3), List.of(), Outcome.OK, Optional.empty()));
    }

    private static String part(MimeMessage m, int i) throws Exception {
        MimeMultipart mp = (MimeMultipart) m.getContent();
        return (String) mp.getBodyPart(i).getContent();
    }

    @Test
    void aPartialPassIsMailedWithTextHtmlAndTheLogLinesAndItsRecoveryOnce() throws Exception {
        Notifier n = notifier("right-password");
        partialPass(n);
        MimeMessage[] got = SMTP.getReceivedMessages();
        assertEquals(1, got.length);
        MimeMessage m = got[0];
        assertEquals("keepwatch on backuphost: backup PARTIAL for source docs", m.getSubject());
        assertEquals("ops@example.org", m.getAllRecipients()[0].toString());
        assertTrue(((MimeMultipart) m.getContent()).getContentType().startsWith("multipart/alternative"));
        String text = part(m, 0);
        assertTrue(text.contains("A full pass of source docs ended PARTIAL at 2026-03-01T10:00:02Z: 1 backed up"), text);
        assertTrue(text.contains("PERMISSION: docs/secret.txt: AccessDeniedException: /data/docs/secret.txt"), text);
        assertTrue(text.contains("Last successful backup before this one: 2026-03-01T05:00:00Z (5 h ago)"), text);
        assertTrue(text.contains("Recent log lines:"), text);
        assertTrue(text.contains("ERROR [main] FAILED: docs/secret.txt"), text);
        assertTrue(text.contains("BACKUP: /data/docs/a.txt"), "lines naming the source are relevant: " + text);
        assertTrue(!text.contains("photos/b.jpg"), "lines of other sources are not: " + text);
        String html = part(m, 1);
        assertTrue(html.contains("<h2 style=\"color: #b3261e\">keepwatch on backuphost: backup PARTIAL for source docs</h2>"), html);
        assertTrue(html.contains("/data/docs/a.txt → docs/a.txt"), html);

        clock.advance(Duration.ofMinutes(5));
        okPass(n);
        okPass(n);
        got = SMTP.getReceivedMessages();
        assertEquals(2, got.length, "the recovery is sent once");
        assertEquals("keepwatch on backuphost: backup OK again for source docs", got[1].getSubject());
        assertTrue(part(got[1], 0).contains("A batch of changes of source docs ran through at 2026-03-01T10:05:03Z"), part(got[1], 0));
    }

    @Test
    void aHundredRepeatedFailuresAreOneMailThenOneDigestAfterTheQuietPeriod() throws Exception {
        Notifier n = notifier("right-password");
        for (int i = 0; i < 100; i++) {
            partialPass(n);
            clock.advance(Duration.ofSeconds(10));
            n.tick();
        }
        assertEquals(1, SMTP.getReceivedMessages().length, "no storm");
        clock.set(T0.plus(Duration.ofMinutes(61))); // an hour after the first message
        n.tick();
        n.tick();
        MimeMessage[] got = SMTP.getReceivedMessages();
        assertEquals(2, got.length);
        assertEquals("keepwatch on backuphost: backup still PARTIAL for source docs (99 more time(s))", got[1].getSubject());
        assertTrue(part(got[1], 0).contains("99 more time(s) since 2026-03-01T10:00:14Z; the latest:"), part(got[1], 0));
    }

    @Test
    void aSourceUnavailableForTenMinutesIsToldAndItsReturnToo() throws Exception {
        Notifier n = notifier("right-password");
        n.on(new EngineEvent.SourceStateChanged(T0, "docs", Optional.of(SourceState.OK), SourceState.UNAVAILABLE,
                Optional.of("its folder is missing")));
        clock.advance(Duration.ofMinutes(9));
        n.tick();
        assertEquals(0, SMTP.getReceivedMessages().length, "an unmount shorter than 10 minutes is no problem");
        clock.advance(Duration.ofMinutes(1));
        n.tick();
        n.tick();
        n.on(new EngineEvent.SourceStateChanged(clock.instant(), "docs", Optional.of(SourceState.UNAVAILABLE), SourceState.OK,
                Optional.empty()));
        MimeMessage[] got = SMTP.getReceivedMessages();
        assertEquals(List.of("keepwatch on backuphost: source docs UNAVAILABLE", "keepwatch on backuphost: source docs is back (OK)"),
                List.of(got[0].getSubject(), got[1].getSubject()));
    }

    @Test
    void anSmtpLoginRefusedIsLoggedAndNothingElseHappens() throws Exception {
        Notifier n = notifier("wrong-password");
        try (LogCapture log = new LogCapture()) {
            partialPass(n);
            assertTrue(log.lines().stream().anyMatch(l -> l.startsWith("WARN Could not notify through email to ops@example.org "
                    + "(keepwatch on backuphost: backup PARTIAL for source docs): the SMTP server 127.0.0.1:" + SMTP.getSmtp().getPort()
                    + " refused the login of 'kw'") && l.endsWith("; the backup goes on")), log.lines().toString());
            assertTrue(log.lines().stream().noneMatch(l -> l.contains("wrong-password")), "the password is never logged");
        }
        assertEquals(0, SMTP.getReceivedMessages().length);
        okPass(n); // the engine thread would go on: nothing was thrown
    }
}
