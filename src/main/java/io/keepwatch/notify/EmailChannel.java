package io.keepwatch.notify;

import io.keepwatch.config.NotifyConfig;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.Optional;
import java.util.Properties;

/**
 * Email through an SMTP server (Jakarta Mail): STARTTLS (required, not just tried), TLS from the start, or no encryption
 * for a relay on the same machine; login when a username is set. Connecting, reading and writing each time out after
 * {@link #TIMEOUT}: Jakarta Mail's default is to wait forever.
 */
public final class EmailChannel implements Channel {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final NotifyConfig.Email config;
    private final Optional<String> password;

    public EmailChannel(NotifyConfig.Email config, Optional<String> password) {
        this.config = config;
        this.password = password;
    }

    /** Whether the server is this machine (the only place {@code security: none} is meant for). */
    public static boolean isLocal(String host) {
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1") || host.equals("[::1]");
    }

    @Override
    public String name() {
        return "email to " + String.join(", ", config.to());
    }

    Properties properties() {
        Properties p = new Properties();
        String ms = Long.toString(TIMEOUT.toMillis());
        String proto = config.security() == NotifyConfig.Security.TLS ? "smtps" : "smtp";
        p.put("mail.transport.protocol", proto);
        p.put("mail." + proto + ".host", config.smtpHost());
        p.put("mail." + proto + ".port", Integer.toString(config.smtpPort()));
        p.put("mail." + proto + ".connectiontimeout", ms);
        p.put("mail." + proto + ".timeout", ms);
        p.put("mail." + proto + ".writetimeout", ms);
        p.put("mail." + proto + ".auth", Boolean.toString(config.username().isPresent()));
        switch (config.security()) {
            case STARTTLS -> {
                p.put("mail.smtp.starttls.enable", "true");
                p.put("mail.smtp.starttls.required", "true");
                p.put("mail.smtp.ssl.checkserveridentity", "true");
            }
            case TLS -> p.put("mail.smtps.ssl.checkserveridentity", "true");
            case NONE -> { }
        }
        return p;
    }

    @Override
    public void send(Rendered m) throws IOException {
        try {
            Session session = Session.getInstance(properties());
            MimeMessage msg = new MimeMessage(session);
            msg.setFrom(new InternetAddress(config.from()));
            for (String to : config.to()) {
                msg.addRecipient(RecipientType.TO, new InternetAddress(to));
            }
            msg.setSubject(m.subject(), "UTF-8");
            msg.setSentDate(Date.from(m.message().at()));
            msg.setHeader("X-Keepwatch-Kind", m.message().kind().name());
            MimeBodyPart text = new MimeBodyPart();
            text.setText(m.text(), "UTF-8");
            MimeBodyPart html = new MimeBodyPart();
            html.setContent(m.html(), "text/html; charset=UTF-8");
            MimeMultipart alternative = new MimeMultipart("alternative", text, html);
            msg.setContent(alternative);
            msg.saveChanges();
            try (Transport t = session.getTransport()) {
                if (config.username().isPresent()) {
                    t.connect(config.username().get(), password.orElse(""));
                } else {
                    t.connect();
                }
                t.sendMessage(msg, msg.getAllRecipients());
            }
        } catch (AuthenticationFailedException e) {
            throw new IOException("the SMTP server " + config.smtpHost() + ":" + config.smtpPort() + " refused the login of '"
                    + config.username().orElse("") + "'" + (e.getMessage() == null ? "" : " (" + e.getMessage().strip() + ")"), e);
        } catch (MessagingException e) {
            throw new IOException("SMTP " + config.smtpHost() + ":" + config.smtpPort() + ": " + describe(e), e);
        }
    }

    private static String describe(MessagingException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        return root == e ? m : m + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
