package io.keepwatch.notify;

import io.keepwatch.config.Config;
import io.keepwatch.config.NotifyConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.EngineListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a person: an engine-events listener (run it behind a {@link io.keepwatch.events.QueuedListener}: sending takes
 * seconds) that asks {@link Alerts} what to tell, renders it, and sends it through every channel. {@link #tick} (every
 * 30 s in the service) tells what time alone decides: a source UNAVAILABLE too long, no success for too long, the
 * repository behind too long, digests, summaries. A channel that fails is logged at WARN with its reason and never
 * stops a backup. Thread-safe.
 */
public final class Notifier implements EngineListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** Makes {@link #alerts} at first use, on the notifier's thread: it reads the last success from the run history. */
    private final Supplier<Alerts> makeAlerts;
    private Alerts alerts;
    private final List<Channel> channels;
    private final Clock clock;
    /** This machine's name, looked up at the first message (a lookup can take long where DNS is slow). */
    private final Supplier<String> host;
    private final LogTail logTail;
    /** Where {@link AlertMemory} keeps what must outlive this run; empty: nothing is kept. */
    private final Optional<Path> memory;
    /** Whether {@link #close} looks at the time once more first (for {@code once}, which has no ticker). */
    private final boolean tickOnClose;
    private boolean memoryFailed;
    /** What the running service shows besides its events (the replicator, the oldest version kept). */
    private volatile ServiceView view = ServiceView.NONE;

    Notifier(Alerts alerts, List<Channel> channels, Clock clock, String host, LogTail logTail) {
        this(() -> alerts, channels, clock, () -> host, logTail, Optional.empty(), false);
    }

    Notifier(Supplier<Alerts> makeAlerts, List<Channel> channels, Clock clock, Supplier<String> host, LogTail logTail,
            Optional<Path> memory, boolean tickOnClose) {
        this.memory = memory;
        this.tickOnClose = tickOnClose;
        this.makeAlerts = () -> {
            Alerts a = makeAlerts.get();
            memory.ifPresent(f -> AlertMemory.restore(f, a));
            return a;
        };
        this.channels = List.copyOf(channels);
        this.clock = clock;
        this.host = memoized(host);
        this.logTail = logTail;
    }

    /**
     * The notifier of a configuration, or empty if no channel is configured. {@code lastSuccess}: the end of the last
     * pass that ran through, as the run history knows it; asked at the first event or tick (on the thread that calls
     * the notifier, not the caller's: reading the history loads SQLite). {@code privateDir}: the backup root's
     * private folder, where what must outlive this run is kept ({@link AlertMemory}). {@code once}: {@link #close}
     * looks at the time once more (digests due, no success for too long), as the service's ticker would. A secret
     * that cannot be read is an IOException naming its file.
     */
    public static Optional<Notifier> of(Config cfg, Clock clock, Supplier<Optional<Instant>> lastSuccess,
            UnaryOperator<String> env, Path privateDir, boolean once) throws IOException {
        List<Channel> channels = channels(cfg.notifications(), env);
        if (channels.isEmpty()) {
            return Optional.empty();
        }
        Instant started = clock.instant();
        return Optional.of(new Notifier(() -> new Alerts(cfg.notifications(), lastSuccess.get(), started), channels, clock,
                Notifier::hostName, new LogTail(cfg.logDir().resolve("keepwatch.log")), Optional.of(privateDir.resolve(AlertMemory.FILE_NAME)),
                once));
    }

    /** The channels configured in {@code notify}, their secrets read. */
    public static List<Channel> channels(NotifyConfig n, UnaryOperator<String> env) throws IOException {
        Secrets secrets = new Secrets(env);
        List<Channel> out = new ArrayList<>();
        if (n.email().isPresent()) {
            NotifyConfig.Email e = n.email().get();
            if (e.security() == NotifyConfig.Security.NONE && !EmailChannel.isLocal(e.smtpHost())) {
                log.warn("notify.email.security is \"none\" for the SMTP server {}, which is not this machine: the messages "
                        + "(and the password, if any) cross the network unencrypted; use \"starttls\" or \"tls\"", e.smtpHost());
            }
            Optional<String> password = e.username().isPresent() ? secrets.read(e.passwordFile(), Secrets.SMTP_PASSWORD_ENV)
                    : Optional.empty();
            if (e.username().isPresent() && password.isEmpty()) {
                throw new IOException("notify.email.username is set but there is no password: name a password_file or set "
                        + Secrets.SMTP_PASSWORD_ENV);
            }
            out.add(new EmailChannel(e, password));
        }
        if (n.webhook().isPresent()) {
            NotifyConfig.Webhook w = n.webhook().get();
            out.add(new WebhookChannel(w.url(), secrets.read(w.secretFile(), Secrets.WEBHOOK_SECRET_ENV)));
        }
        return out;
    }

    private static Supplier<String> memoized(Supplier<String> s) {
        return new Supplier<>() {
            private String value;

            @Override
            public synchronized String get() {
                if (value == null) {
                    value = s.get();
                }
                return value;
            }
        };
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String h = System.getenv("HOSTNAME");
            return h == null || h.isBlank() ? "localhost" : h;
        }
    }

    @Override
    public void on(EngineEvent event) {
        List<Message> messages;
        synchronized (this) {
            messages = alerts().on(event);
        }
        send(messages);
    }

    /** From now on, {@link #tick} also looks at what the running service shows (the replication lag; the summary's). */
    public void watch(ServiceView service) {
        this.view = service;
    }

    /** Tells what time alone decides (see {@link Alerts#tick}). */
    public void tick() {
        List<Message> messages;
        synchronized (this) {
            messages = alerts().tick(clock.instant(), view);
        }
        send(messages);
    }

    private synchronized Alerts alerts() {
        if (alerts == null) {
            alerts = makeAlerts.get();
        }
        return alerts;
    }

    /** Keeps what must outlive this run (after each message, and at the end). */
    private synchronized void remember() {
        if (memory.isEmpty() || alerts == null || !Files.isDirectory(memory.get().getParent())) {
            return;
        }
        try {
            AlertMemory.save(memory.get(), alerts);
            memoryFailed = false;
        } catch (IOException | RuntimeException e) {
            if (!memoryFailed) {
                log.warn("Cannot write {} ({}): a problem still open may be told again by the next run", memory.get(), e.toString());
            }
            memoryFailed = true;
        }
    }

    /** Ends this run's notifications: for {@code once} a last look at the time, then what must outlive it is kept. */
    @Override
    public void close() {
        if (tickOnClose) {
            tick();
        }
        remember();
    }

    /** Which events the notifier needs (not the per-file ones). */
    public static boolean wanted(EngineEvent e) {
        return !(e instanceof EngineEvent.FileBackedUp || e instanceof EngineEvent.FileUpdated || e instanceof EngineEvent.DuplicateKept
                || e instanceof EngineEvent.DeletionArchived || e instanceof EngineEvent.VersionArchived || e instanceof EngineEvent.Pruned);
    }

    private void send(List<Message> messages) {
        if (!messages.isEmpty()) {
            remember();
        }
        for (Message m : messages) {
            Rendered r = render(m, host.get(), m.type() == Message.Type.RECOVERY || m.kind() == Message.Kind.SUMMARY
                    ? List.of() : logTail.relevant(m.source()));
            for (Channel c : channels) {
                try {
                    c.send(r);
                    log.info("NOTIFIED through {}: {}", c.name(), r.subject());
                } catch (IOException | RuntimeException e) {
                    log.warn("Could not notify through {} ({}): {}; the backup goes on", c.name(), r.subject(), e.getMessage());
                }
            }
        }
    }

    /** Sends one test message through each channel; returns each channel's name and its error, if any. */
    public static List<Result> test(List<Channel> channels, Clock clock) {
        String host = hostName();
        Message m = new Message(Message.Kind.TEST, Optional.empty(), Message.Type.INFO, "test message",
                List.of("This is a test of keepwatch's notifications (keepwatch notify --test). If you read this, the channel works."),
                clock.instant());
        Rendered r = render(m, host, List.of());
        List<Result> out = new ArrayList<>();
        for (Channel c : channels) {
            try {
                c.send(r);
                out.add(new Result(c.name(), Optional.empty()));
            } catch (IOException | RuntimeException e) {
                out.add(new Result(c.name(), Optional.of(e.getMessage() == null ? e.toString() : e.getMessage())));
            }
        }
        return out;
    }

    /** One channel's answer to {@link #test}. */
    public record Result(String channel, Optional<String> error) {
    }

    static Rendered render(Message m, String host, List<String> logLines) {
        String subject = "keepwatch on " + host + ": " + m.title();
        StringBuilder text = new StringBuilder();
        text.append(subject).append("\n\n");
        m.lines().forEach(l -> text.append(l).append('\n'));
        if (!logLines.isEmpty()) {
            text.append("\nRecent log lines:\n");
            logLines.forEach(l -> text.append(l).append('\n'));
        }
        text.append("\n-- \nkeepwatch on ").append(host).append(", ").append(m.at()).append('\n');
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html><html><body style=\"font-family: sans-serif\">");
        html.append("<h2 style=\"color: ").append(m.type() == Message.Type.RECOVERY ? "#1a7f37" : m.type() == Message.Type.INFO
                ? "#333" : "#b3261e").append("\">").append(escape(subject)).append("</h2>");
        html.append("<p>");
        for (String l : m.lines()) {
            html.append(escape(l)).append("<br>");
        }
        html.append("</p>");
        if (!logLines.isEmpty()) {
            html.append("<h3>Recent log lines</h3><pre style=\"font-size: 12px\">");
            logLines.forEach(l -> html.append(escape(l)).append('\n'));
            html.append("</pre>");
        }
        html.append("<p style=\"color: #777\">keepwatch on ").append(escape(host)).append(", ").append(m.at()).append("</p>");
        html.append("</body></html>");
        return new Rendered(m, host, subject, text.toString(), html.toString());
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
