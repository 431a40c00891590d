package io.keepwatch.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keepwatch.config.S3Config;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3Proxy answers 501 to Object Lock, so the headers the client sends are checked here against a server that
 * records every request and answers as S3 would: each object, and each multipart upload at its creation, carries
 * the mode and the retain-until date; each write is conditional and carries a Content-MD5. Without Object Lock,
 * over http, the body is signed chunk by chunk instead of carrying a Content-MD5.
 */
class S3ObjectLockTest {
    @TempDir
    Path tmp;

    record Request(String method, String path, String query, Map<String, String> headers) {
    }

    private HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private static final Instant NOW = Instant.parse("2026-12-05T04:00:00Z");

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange x) throws IOException {
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        x.getRequestHeaders().forEach((k, v) -> h.put(k, String.join(",", v)));
        String query = x.getRequestURI().getRawQuery() == null ? "" : x.getRequestURI().getRawQuery();
        requests.add(new Request(x.getRequestMethod(), x.getRequestURI().getPath(), query, h));
        x.getRequestBody().readAllBytes();
        byte[] body = new byte[0];
        x.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
        if (x.getRequestMethod().equals("POST") && query.startsWith("uploads")) {
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><InitiateMultipartUploadResult><Bucket>locked</Bucket>"
                    + "<Key>k</Key><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>").getBytes(StandardCharsets.UTF_8);
        } else if (x.getRequestMethod().equals("POST")) {
            body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><CompleteMultipartUploadResult><Bucket>locked</Bucket><Key>k</Key>"
                    + "<ETag>\"x-2\"</ETag></CompleteMultipartUploadResult>").getBytes(StandardCharsets.UTF_8);
        } else if (x.getRequestMethod().equals("HEAD")) {
            x.getResponseHeaders().add("x-amz-object-lock-mode", "GOVERNANCE");
            x.getResponseHeaders().add("x-amz-object-lock-retain-until-date", "2027-01-04T04:00:00.000Z");
            x.getResponseHeaders().add("Content-Length", "5");
            x.sendResponseHeaders(200, -1);
            x.close();
            return;
        }
        x.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        x.getResponseBody().write(body);
        x.close();
    }

    private S3Store store(boolean compliance) throws IOException {
        return store(Optional.of(new S3Config.ObjectLock(compliance, Duration.ofDays(30))));
    }

    private S3Store store(Optional<S3Config.ObjectLock> lock) throws IOException {
        S3Location loc = S3Location.parse("s3:http://127.0.0.1:" + server.getAddress().getPort() + "/locked/host");
        S3Config d = S3Config.defaults();
        S3Config cfg = new S3Config(d.region(), Optional.empty(), Optional.of(S3ProxyServer.credentialsFile(tmp.resolve("creds"))),
                Optional.empty(), false, 2, 0, 5L << 20, Duration.ofSeconds(10), false, lock);
        try {
            return new S3Store(Stores.client(loc, cfg), loc, cfg, Clock.fixed(NOW, ZoneOffset.UTC));
        } catch (io.keepwatch.repo.RepoException e) {
            throw new IOException(e);
        }
    }

    @Test
    void everyObjectIsWrittenWithItsRetentionConditionallyAndWithAChecksum() throws Exception {
        byte[] small = "sealed snapshot".getBytes(StandardCharsets.UTF_8);
        try (S3Store s = store(false)) {
            assertTrue(s.putIfAbsent("snapshots/abc", small));
            s.putNew("data/ab/pack", new byte[(5 << 20) + 10]);
            s.awaitPuts();
            assertEquals(Optional.of(Instant.parse("2027-01-04T04:00:00Z")), s.retainedUntil("snapshots/abc"));
        }
        Request put = requests.stream().filter(r -> r.path().equals("/locked/host/snapshots/abc") && r.method().equals("PUT"))
                .findFirst().orElseThrow();
        assertEquals("GOVERNANCE", put.headers().get("x-amz-object-lock-mode"));
        assertEquals("2027-01-04T04:00:00Z", put.headers().get("x-amz-object-lock-retain-until-date"));
        assertEquals("*", put.headers().get("If-None-Match"));
        assertEquals(S3Store.md5(small, 0, small.length), put.headers().get("Content-MD5"));

        Request create = requests.stream().filter(r -> r.method().equals("POST") && r.query().startsWith("uploads")).findFirst().orElseThrow();
        assertEquals("/locked/host/data/ab/pack", create.path());
        assertEquals("GOVERNANCE", create.headers().get("x-amz-object-lock-mode"));
        assertEquals("2027-01-04T04:00:00Z", create.headers().get("x-amz-object-lock-retain-until-date"));
        List<Request> parts = requests.stream().filter(r -> r.method().equals("PUT") && r.query().contains("partNumber")).toList();
        assertEquals(2, parts.size());
        assertTrue(parts.stream().allMatch(r -> r.headers().containsKey("Content-MD5")), parts.toString());
        Request complete = requests.stream().filter(r -> r.method().equals("POST") && r.query().startsWith("uploadId")).findFirst().orElseThrow();
        assertEquals("*", complete.headers().get("If-None-Match"));
        assertTrue(requests.stream().noneMatch(r -> r.headers().containsKey("x-amz-trailer")),
                "no trailing checksum (when_required): " + requests);
    }

    @Test
    void complianceModeIsSentAsSuch() throws Exception {
        try (S3Store s = store(true)) {
            assertTrue(s.putIfAbsent("index/def", new byte[] {1, 2, 3}));
        }
        assertEquals("COMPLIANCE", requests.get(0).headers().get("x-amz-object-lock-mode"));
    }

    @Test
    void withoutObjectLockAnHttpUploadIsSignedChunkByChunkInsteadOfCarryingAnMd5() throws Exception {
        try (S3Store s = store(Optional.empty())) {
            assertTrue(s.putIfAbsent("snapshots/abc", "sealed snapshot".getBytes(StandardCharsets.UTF_8)));
            s.putNew("data/ab/pack", new byte[(5 << 20) + 10]);
            s.awaitPuts();
        }
        List<Request> uploads = requests.stream().filter(r -> r.method().equals("PUT")).toList();
        assertEquals(3, uploads.size(), uploads.toString()); // the object and two parts
        for (Request r : uploads) {
            assertEquals("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", r.headers().get("x-amz-content-sha256"), r.toString());
            assertTrue(!r.headers().containsKey("Content-MD5"), r.toString());
        }
        assertEquals("*", uploads.get(0).headers().get("If-None-Match"));
    }
}
