package io.keepwatch.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code notify} section: where messages go, and how often.
 *
 * @param quiet after a message about a problem, repeats of it are gathered into one digest sent this long after
 *     ({@code quiet_minutes}, default 60)
 * @param noSuccess the service tells when no pass succeeded for this long ({@code no_success_hours}, default 24)
 * @param summary a summary of the day's or week's passes ({@code summary}: {@code daily}, {@code weekly}, {@code none})
 * @param unavailable a source UNAVAILABLE for this long is told ({@code unavailable_minutes}, default 10: an unmount
 *     for a reboot is no problem)
 * @param replicationLag the service tells when the repository it replicates into is behind the backup by more than
 *     this ({@code replication_lag_minutes}, default 360)
 */
public record NotifyConfig(Optional<Email> email, Optional<Webhook> webhook, Duration quiet, Duration noSuccess, Summary summary,
        Duration unavailable, Duration replicationLag) {
    public static final int DEFAULT_QUIET_MINUTES = 60;
    public static final int DEFAULT_NO_SUCCESS_HOURS = 24;
    public static final int DEFAULT_UNAVAILABLE_MINUTES = 10;
    public static final int DEFAULT_REPLICATION_LAG_MINUTES = 360;

    /** A section whose {@code unavailable_minutes} and {@code replication_lag_minutes} are the defaults. */
    public NotifyConfig(Optional<Email> email, Optional<Webhook> webhook, Duration quiet, Duration noSuccess, Summary summary) {
        this(email, webhook, quiet, noSuccess, summary, Duration.ofMinutes(DEFAULT_UNAVAILABLE_MINUTES),
                Duration.ofMinutes(DEFAULT_REPLICATION_LAG_MINUTES));
    }

    public static NotifyConfig defaults() {
        return new NotifyConfig(Optional.empty(), Optional.empty(), Duration.ofMinutes(DEFAULT_QUIET_MINUTES),
                Duration.ofHours(DEFAULT_NO_SUCCESS_HOURS), Summary.NONE);
    }

    /** Whether any channel is configured. */
    public boolean enabled() {
        return email.isPresent() || webhook.isPresent();
    }

    /** How the connection to the SMTP server is secured. */
    public enum Security {
        /** Plain connection upgraded with STARTTLS (required; usually port 587). */
        STARTTLS,
        /** TLS from the start (usually port 465). */
        TLS,
        /** No encryption: only for a relay on the same machine. */
        NONE
    }

    public enum Summary {
        NONE, DAILY, WEEKLY
    }

    /**
     * Email through an SMTP server. The password is read from {@code passwordFile}, else from the environment
     * variable {@code KEEPWATCH_SMTP_PASSWORD}; never from config.json.
     */
    public record Email(String smtpHost, int smtpPort, Security security, Optional<String> username, Optional<Path> passwordFile,
            String from, List<String> to) {
        public Email {
            to = List.copyOf(to);
        }
    }

    /**
     * A JSON POST to {@code url}. The signing secret is read from {@code secretFile}, else from the environment
     * variable {@code KEEPWATCH_WEBHOOK_SECRET}; none: unsigned.
     */
    public record Webhook(URI url, Optional<Path> secretFile) {
    }
}
