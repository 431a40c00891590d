package io.keepwatch.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook against a JDK HttpServer on 127.0.0.1: payload, signature, retries on 5xx, timeout. */
class WebhookChannelTest {
    private HttpServer server;
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private final List<String> signatures = new CopyOnWriteArrayList<>();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int failFirst;
    private volatile int status = 200;
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;
    private final List<Long> slept = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            bodies.add(new String(body, StandardCharsets.UTF_8));
            signatures.add(String.valueOf(ex.getRequestHeaders().getFirst(WebhookChannel.SIGNATURE_HEADER)));
            int n = calls.incrementAndGet();
            if (hang) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            int code = n <= failFirst ? 503 : status;
            byte[] answer = (code == 200 ? "ok" : "busy").getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(code, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    private WebhookChannel channel(Optional<String> secret, Duration timeout) {
        return new WebhookChannel(url(), secret, timeout, slept::add);
    }

    private static Rendered message() {
        Message m = new Message(Message.Kind.BACKUP, Optional.of("docs"), Message.Type.PROBLEM, "backup FAILED for source docs",
                List.of("It stopped: No space left on device"), Instant.parse("2026-03-01T10:00:00Z"));
        return Notifier.render(m, "backuphost", List.of());
    }

    @Test
    void theMessageIsPostedAsJsonSignedWithTheSecret() throws Exception {
        channel(Optional.of("s3cret"), Duration.ofSeconds(10)).send(message());
        assertEquals(1, calls.get());
        JsonNode json = new ObjectMapper().readTree(bodies.get(0));
        assertEquals("backuphost", json.get("host").asText());
        assertEquals("BACKUP", json.get("kind").asText());
        assertEquals("PROBLEM", json.get("type").asText());
        assertEquals("docs", json.get("source").asText());
        assertEquals("backup FAILED for source docs", json.get("title").asText());
        assertEquals("keepwatch on backuphost: backup FAILED for source docs", json.get("subject").asText());
        assertEquals(json.get("subject").asText(), json.get("content").asText());
        assertTrue(json.get("text").asText().contains("It stopped: No space left on device"));
        assertEquals("2026-03-01T10:00:00Z", json.get("at").asText());
        // What a receiver checks: HMAC-SHA256 of the exact body under the shared secret.
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(bodies.get(0).getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, signatures.get(0));
    }

    @Test
    void withoutASecretThereIsNoSignature() throws Exception {
        channel(Optional.empty(), Duration.ofSeconds(10)).send(message());
        assertEquals("null", signatures.get(0));
    }

    @Test
    void a5xxIsTriedAgainUntilItIsAccepted() throws Exception {
        failFirst = 2;
        channel(Optional.empty(), Duration.ofSeconds(10)).send(message());
        assertEquals(3, calls.get());
        assertEquals(List.of(2_000L, 8_000L), slept);
        assertEquals(bodies.get(0), bodies.get(2), "the same message each time");
    }

    @Test
    void a5xxEveryTimeFailsAfterThreeAttemptsAndA4xxAtOnce() {
        status = 500;
        IOException e = assertThrows(IOException.class, () -> channel(Optional.empty(), Duration.ofSeconds(10)).send(message()));
        assertEquals(3, calls.get());
        assertTrue(e.getMessage().endsWith("answered HTTP 500: busy (after 3 attempt(s))"), e.getMessage());
        calls.set(0);
        status = 404;
        IOException notFound = assertThrows(IOException.class, () -> channel(Optional.empty(), Duration.ofSeconds(10)).send(message()));
        assertEquals(1, calls.get());
        assertTrue(notFound.getMessage().endsWith("answered HTTP 404: busy"), notFound.getMessage());
    }

    @Test
    void aReceiverThatDoesNotAnswerTimesOut() {
        hang = true;
        IOException e = assertThrows(IOException.class, () -> channel(Optional.empty(), Duration.ofMillis(300)).send(message()));
        assertTrue(e.getMessage().contains("no answer within 300 ms (after 3 attempt(s))"), e.getMessage());
        assertEquals(List.of(2_000L, 8_000L), slept, "tried again, without really waiting in the test");
    }
}
