package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code keepwatch once} tells a person as {@code run} does (cron users rely on it), through a real SMTP server. */
class OnceNotifyTest {
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    @TempDir
    Path tmp;

    private static int once(Path cfg) {
        return Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true), "once", "-c",
                cfg.toString());
    }

    @Test
    void aOncePassWithASourceUnavailableIsMailedBeforeItExitsOnceAcrossRunsAndItsEndOnce() throws Exception {
        Files.createDirectories(tmp.resolve("docs"));
        Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(tmp.resolve("docs/a.txt"), "alpha");
        Files.writeString(tmp.resolve("photos/cat.jpg"), "meow");
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"sources\": [\"./docs\", \"./photos\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"notify\": {\"email\": {\"smtp_host\": \"127.0.0.1\", \"smtp_port\": " + SMTP.getSmtp().getPort()
                + ", \"security\": \"none\", \"from\": \"keepwatch@example.org\", \"to\": [\"ops@example.org\"]}}}");
        assertEquals(0, once(cfg));
        assertEquals(0, SMTP.getReceivedMessages().length, "nothing to tell");
        Files.delete(tmp.resolve("photos/cat.jpg")); // as if its disk were not mounted
        assertEquals(2, once(cfg), "one source of two is unavailable: partial");
        assertTrue(Files.exists(tmp.resolve("backup/docs/a.txt")));

        MimeMessage[] got = SMTP.getReceivedMessages();
        assertEquals(1, got.length, "sent before once returned");
        assertTrue(got[0].getSubject().matches("keepwatch on .+: backup PARTIAL for source photos"), got[0].getSubject());
        String text = (String) ((MimeMultipart) got[0].getContent()).getBodyPart(0).getContent();
        assertTrue(text.contains("keepwatch once of source photos ended PARTIAL"), text);
        assertTrue(text.contains("Source photos was UNAVAILABLE (missing, unmounted or suddenly empty)"), text);
        String log = Files.readString(tmp.resolve("logs/keepwatch.log"));
        assertTrue(log.contains("NOTIFIED through email to ops@example.org: keepwatch on "), log);

        // cron runs once again an hour later: the problem is still there, and it was told (a digest comes after
        // quiet_minutes, 60 by default): nothing new is sent.
        assertEquals(2, once(cfg));
        assertEquals(1, SMTP.getReceivedMessages().length, "no storm across runs of once");
        Files.writeString(tmp.resolve("photos/cat.jpg"), "meow"); // mounted again
        assertEquals(0, once(cfg));
        assertEquals(0, once(cfg));
        got = SMTP.getReceivedMessages();
        assertEquals(2, got.length, "its end is told once");
        assertTrue(got[1].getSubject().matches("keepwatch on .+: backup OK again for source photos"), got[1].getSubject());
    }
}
