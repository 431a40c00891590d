package io.keepwatch.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.fs.Sleeper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A JSON POST per message. The body carries the message's fields ({@code host}, {@code kind}, {@code type},
 * {@code source}, {@code title}, {@code subject}, {@code text}, {@code at}) and {@code content} (the subject, for
 * Discord-compatible receivers; Slack-compatible ones show {@code text}). With a secret, the header
 * {@value #SIGNATURE_HEADER} is {@code sha256=} and the hex HMAC-SHA256 of the body under it. A 5xx answer or a
 * failed connection is tried again ({@link #ATTEMPTS} times in all, waiting 2 s, then 8 s); any other non-2xx answer
 * fails at once. Connecting times out after 10 s, each request after 20 s.
 */
public final class WebhookChannel implements Channel {
    public static final String SIGNATURE_HEADER = "X-Keepwatch-Signature";
    static final int ATTEMPTS = 3;
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI url;
    private final Optional<String> secret;
    /** Made at the first message, not at start: building it starts a thread and loads much of java.net.http. */
    private HttpClient client;
    private final Duration requestTimeout;
    private final Sleeper sleeper;

    public WebhookChannel(URI url, Optional<String> secret) {
        this(url, secret, REQUEST_TIMEOUT, Sleeper.REAL);
    }

    WebhookChannel(URI url, Optional<String> secret, Duration requestTimeout, Sleeper sleeper) {
        this.url = url;
        this.secret = secret;
        this.requestTimeout = requestTimeout;
        this.sleeper = sleeper;
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).followRedirects(HttpClient.Redirect.NEVER).build();
        }
        return client;
    }

    @Override
    public String name() {
        return "webhook " + url.getScheme() + "://" + url.getAuthority() + url.getRawPath();
    }

    static String payload(Rendered m) {
        ObjectNode n = JSON.createObjectNode();
        n.put("host", m.host());
        n.put("kind", m.message().kind().name());
        n.put("type", m.message().type().name());
        m.message().source().ifPresentOrElse(s -> n.put("source", s), () -> n.putNull("source"));
        n.put("title", m.message().title());
        n.put("subject", m.subject());
        n.put("text", m.text());
        n.put("content", m.subject());
        n.put("at", m.message().at().toString());
        return n.toString();
    }

    static String signature(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java", e);
        }
    }

    @Override
    public void send(Rendered m) throws IOException {
        byte[] body = payload(m).getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(requestTimeout)
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "keepwatch")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        secret.ifPresent(s -> b.header(SIGNATURE_HEADER, signature(s, body)));
        HttpRequest request = b.build();
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                sleeper.sleep(attempt == 2 ? 2_000 : 8_000);
            }
            HttpResponse<String> r;
            try {
                r = client().send(request, HttpResponse.BodyHandlers.ofString());
            } catch (java.net.http.HttpTimeoutException e) {
                last = new IOException(name() + ": no answer within " + requestTimeout.toMillis() + " ms (after " + attempt
                        + " attempt(s))", e);
                continue;
            } catch (IOException e) {
                last = new IOException(name() + ": " + e + " (after " + attempt + " attempt(s))", e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while sending to " + name());
            }
            int code = r.statusCode();
            if (code >= 200 && code < 300) {
                return;
            }
            String answer = name() + " answered HTTP " + code + snippet(r.body());
            if (code < 500) {
                throw new IOException(answer);
            }
            last = new IOException(answer + " (after " + attempt + " attempt(s))");
        }
        throw last;
    }

    private static String snippet(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String b = body.strip().replaceAll("\\s+", " ");
        return ": " + (b.length() > 200 ? b.substring(0, 200) + "…" : b);
    }
}
