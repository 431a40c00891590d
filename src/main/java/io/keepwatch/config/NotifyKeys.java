package io.keepwatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code notify} section of config.json. Secrets are never in it: only the files that hold them. */
final class NotifyKeys {
    private static final Set<String> EMAIL_KEYS = Set.of("smtp_host", "smtp_port", "security", "username", "password_file",
            "from", "to");
    private static final Set<String> WEBHOOK_KEYS = Set.of("url", "secret_file");

    private NotifyKeys() {
    }

    static NotifyConfig read(Section s) throws ConfigException {
        NotifyConfig d = NotifyConfig.defaults();
        Optional<NotifyConfig.Email> email = s.has("email")
                ? Optional.of(email(s.child("email", EMAIL_KEYS, "{\"smtp_host\": \"smtp.example.org\", ...}"))) : Optional.empty();
        Optional<NotifyConfig.Webhook> webhook = s.has("webhook")
                ? Optional.of(webhook(s.child("webhook", WEBHOOK_KEYS, "{\"url\": \"https://ntfy.example.org/backups\"}")))
                : Optional.empty();
        String summary = s.text("summary", "none");
        NotifyConfig.Summary sum = switch (summary) {
            case "none" -> NotifyConfig.Summary.NONE;
            case "daily" -> NotifyConfig.Summary.DAILY;
            case "weekly" -> NotifyConfig.Summary.WEEKLY;
            default -> throw s.error(s.key("summary"), "must be \"daily\", \"weekly\" or \"none\", not \"" + summary + "\"");
        };
        return new NotifyConfig(email, webhook, s.duration(ConfigKeys.QUIET_MINUTES, ChronoUnit.MINUTES, d.quiet()),
                s.duration(ConfigKeys.NO_SUCCESS_HOURS, ChronoUnit.HOURS, d.noSuccess()), sum,
                s.duration(ConfigKeys.UNAVAILABLE_MINUTES, ChronoUnit.MINUTES, d.unavailable()),
                s.duration(ConfigKeys.REPLICATION_LAG_MINUTES, ChronoUnit.MINUTES, d.replicationLag()));
    }

    private static NotifyConfig.Email email(Section s) throws ConfigException {
        String host = s.text(s.required("smtp_host"), s.key("smtp_host"));
        if (host.isBlank()) {
            throw s.error(s.key("smtp_host"), "is empty");
        }
        String security = s.text("security", "starttls");
        NotifyConfig.Security sec = switch (security) {
            case "starttls" -> NotifyConfig.Security.STARTTLS;
            case "tls" -> NotifyConfig.Security.TLS;
            case "none" -> NotifyConfig.Security.NONE;
            default -> throw s.error(s.key("security"), "must be \"starttls\", \"tls\" or \"none\", not \"" + security + "\"");
        };
        int defaultPort = sec == NotifyConfig.Security.TLS ? 465 : sec == NotifyConfig.Security.STARTTLS ? 587 : 25;
        Optional<String> username = s.has("username") ? Optional.of(s.text("username", "")) : Optional.empty();
        Optional<Path> passwordFile = s.has("password_file") ? Optional.of(s.path(s.raw("password_file"), s.key("password_file")))
                : Optional.empty();
        String from = address(s, s.text(s.required("from"), s.key("from")), s.key("from"));
        JsonNode toNode = s.required("to");
        List<String> to = new ArrayList<>();
        if (toNode.isTextual()) {
            to.add(address(s, toNode.asText(), s.key("to")));
        } else if (toNode.isArray() && !toNode.isEmpty()) {
            for (int i = 0; i < toNode.size(); i++) {
                String key = s.key("to") + "[" + i + "]";
                to.add(address(s, s.text(toNode.get(i), key), key));
            }
        } else {
            throw s.error(s.key("to"), "must be a list of addresses, e.g. [\"ops@example.org\"]");
        }
        return new NotifyConfig.Email(host, s.count(ConfigKeys.SMTP_PORT, defaultPort), sec, username, passwordFile, from, to);
    }

    private static String address(Section s, String text, String key) throws ConfigException {
        String t = text.trim();
        int at = t.lastIndexOf('@');
        if (at <= 0 || at == t.length() - 1 || t.contains(" ") && !t.contains("<")) {
            throw s.error(key, "'" + text + "' is not an email address");
        }
        return t;
    }

    private static NotifyConfig.Webhook webhook(Section s) throws ConfigException {
        String text = s.text(s.required("url"), s.key("url"));
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw s.error(s.key("url"), "'" + text + "' is not a URL: " + e.getReason());
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || url.getHost() == null) {
            throw s.error(s.key("url"), "'" + text + "' must be an http:// or https:// URL with a host");
        }
        if (url.getUserInfo() != null) {
            throw s.error(s.key("url"), "must not hold a user or password (secrets never go into config.json; use secret_file)");
        }
        Optional<Path> secretFile = s.has("secret_file") ? Optional.of(s.path(s.raw("secret_file"), s.key("secret_file")))
                : Optional.empty();
        return new NotifyConfig.Webhook(url, secretFile);
    }
}
