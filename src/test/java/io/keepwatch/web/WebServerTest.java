package io.keepwatch.web;

import static io.keepwatch.testing.PrometheusText.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.daemon.ServiceStatus;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import io.keepwatch.testing.PrometheusText;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status page's server in-process, fed with engine events: binding, the token, the Host check, metrics. */
class WebServerTest {
    @TempDir
    Path tmp;
    private Config cfg;
    private StatusPage page;
    private final List<String> passesAsked = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(tmp.resolve("docs"));
        Files.writeString(tmp.resolve("docs/a.txt"), "a");
        Files.writeString(tmp.resolve("config.json"), "{\"sources\": [\"./docs\"], \"backup_root\": \"./backup\", "
                + "\"http\": {\"listen\": \"127.0.0.1:0\"}}");
        cfg = new ConfigLoader().load(tmp.resolve("config.json"));
        page = start();
    }

    private StatusPage start() {
        return start(() -> true);
    }

    private StatusPage start(java.util.function.BooleanSupplier ready) {
        StatusPage p = StatusPage.forService(cfg, Clock.systemUTC());
        p.attach(() -> new ServiceStatus(1, Instant.now(), Instant.now(), true, "idle",
                List.of(new ServiceStatus.Source("docs", tmp.resolve("docs").toString(), SourceState.OK, 1, Optional.empty())),
                Optional.empty(), 3, 0, Map.of(), Optional.empty(), Optional.empty(), Optional.empty()), passesAsked::add, ready);
        p.start(cfg.http().orElseThrow());
        assertTrue(p.port() > 0, "the page listens");
        return p;
    }

    @AfterEach
    void tearDown() {
        page.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + page.port() + path);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, Optional<String> bearer) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody());
        bearer.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token() throws IOException {
        return Files.readString(tmp.resolve("backup/.keepwatch/http-token")).strip();
    }

    @Test
    void bindsLoopbackOnlyByDefault() throws Exception {
        Optional<InetAddress> other = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress()).findFirst();
        assertEquals(200, get("/").statusCode());
        if (other.isPresent()) {
            try (Socket s = new Socket()) {
                assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress(other.get(), page.port()), 5000),
                        "the page must not answer on " + other.get());
            }
        }
    }

    @Test
    void actionsNeedTheTokenReadingDoesNot() throws Exception {
        assertEquals(401, post("/action/pass", Optional.empty()).statusCode());
        assertEquals(401, post("/action/pass", Optional.of("0".repeat(64))).statusCode());
        assertEquals(401, post("/action/verify", Optional.empty()).statusCode());
        assertEquals(List.of(), passesAsked);
        assertEquals(202, post("/action/pass", Optional.of(token())).statusCode());
        assertEquals(List.of("asked for on the status page"), passesAsked);
        assertEquals(200, get("/").statusCode());
        assertEquals(200, get("/metrics").statusCode());

        // entered once in the page: a cookie, HttpOnly and SameSite=Strict
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(uri("/login")).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, login.statusCode());
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie);
        HttpResponse<String> withCookie = http.send(HttpRequest.newBuilder(uri("/action/pass"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(202, withCookie.statusCode());
    }

    @Test
    void verifyRunsOnItsOwnThreadAndReportsInTheRecentActions() throws Exception {
        assertEquals(202, post("/action/verify", Optional.of(token())).statusCode());
        // no backup here yet: the verify says so, as the log does
        await().atMost(Duration.ofSeconds(30)).until(() -> page.liveView().recent().stream()
                .anyMatch(l -> l.text().startsWith("VERIFY could not run: ") && l.level().equals("ERROR")));
        assertTrue(get("/live").body().contains("VERIFY could not run"));
    }

    @Test
    void theTokenIsOwnerOnlyAndKeptAcrossStarts() throws Exception {
        Path file = tmp.resolve("backup/.keepwatch/http-token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String first = token();
        assertTrue(first.matches("[0-9a-f]{64}"), first);
        page.close();
        page = start();
        assertEquals(first, token());
        assertEquals(202, post("/action/pass", Optional.of(first)).statusCode());
    }

    @Test
    void withTokenRequiredEveryRequestNeedsIt() throws Exception {
        page.close();
        Files.writeString(tmp.resolve("config.json"), "{\"sources\": [\"./docs\"], \"backup_root\": \"./backup\", "
                + "\"http\": {\"listen\": \"127.0.0.1:0\", \"token_required\": true}}");
        cfg = new ConfigLoader().load(tmp.resolve("config.json"));
        page = start();
        HttpResponse<String> front = get("/");
        assertEquals(401, front.statusCode());
        assertTrue(front.body().contains("id=\"token\"") && !front.body().contains("data-source"), front.body());
        assertEquals(401, get("/metrics").statusCode());
        assertEquals(401, get("/download?path=docs/a.txt").statusCode());
        assertEquals(200, get("/assets/style.css").statusCode());
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(uri("/metrics")).header("Authorization", "Bearer " + token())
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.body().contains("keepwatch_source_state"), metrics.body());
    }

    @Test
    void namesFromDiskAreEscapedInThePage() throws Exception {
        page.listener().on(new EngineEvent.FileBackedUp(Instant.now(), "docs", "<img src=x onerror=alert(1)>.txt", 1));
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/live").body().contains("onerror"));
        String live = get("/live").body();
        assertTrue(live.contains("&lt;img src=x onerror=alert(1)&gt;.txt"), live);
        assertFalse(live.contains("<img"), live);
        String search = get("/?q=%3Cscript%3E").body();
        assertTrue(search.contains("value=\"&lt;script&gt;\""), search);
        assertFalse(search.contains("<script>"), search);
    }

    @Test
    void aHostThatIsNotLoopbackIsRefused() throws Exception {
        // what a page of another site reaches through DNS rebinding: 127.0.0.1, under its own name
        try (Socket s = new Socket("127.0.0.1", page.port())) {
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n".getBytes());
            String answer = new String(s.getInputStream().readAllBytes());
            assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        }
    }

    @Test
    void replicationLagPendingAndFailureShowOnThePageAndInTheMetrics() throws Exception {
        Map<String, Object> before = PrometheusText.parse(get("/metrics").body());
        assertTrue(before.keySet().stream().noneMatch(k -> k.startsWith("keepwatch_replication_lag_seconds{")),
                "no replication, no lag series: " + before.keySet());
        Instant inSync = Instant.now().minus(Duration.ofHours(7));
        Path file = tmp.resolve("backup/.keepwatch/replication.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"repository\": \"/mnt/usb/repo\", \"state\": \"failing\", \"interval_seconds\": 300, "
                + "\"in_sync_at\": \"" + inSync + "\", \"pending_changes\": 12, \"pending_bytes\": 3145728, "
                + "\"last_push_bytes_added\": 0, \"last_push_problems\": 0, \"failures_in_a_row\": 3, "
                + "\"last_error\": \"/mnt/usb/repo: No such file or directory\"}");

        Map<String, Object> m = PrometheusText.parse(get("/metrics").body());
        assertEquals(7 * 3600.0, value(m, "keepwatch_replication_lag_seconds{repository=\"/mnt/usb/repo\"}"), 60.0);
        assertEquals(3145728.0, value(m, "keepwatch_replication_pending_bytes{repository=\"/mnt/usb/repo\"}"));
        assertEquals(12.0, value(m, "keepwatch_replication_pending_changes{repository=\"/mnt/usb/repo\"}"));
        assertEquals(1.0, value(m, "keepwatch_replication_failing{repository=\"/mnt/usb/repo\"}"));
        assertEquals("gauge", m.get("#type keepwatch_replication_lag_seconds"));

        String live = get("/live").body();
        assertTrue(live.contains("Repository /mnt/usb/repo: <b>failing</b>"), live);
        assertTrue(live.contains("(lag 7 h 0 min)") || live.contains("(lag 6 h 59 min)"), live);
        assertTrue(live.contains("12 change(s), 3.0 MiB waiting for the next push"), live);
        assertTrue(live.contains("last error: /mnt/usb/repo: No such file or directory"), live);
        assertEquals(0.0, value(m, "keepwatch_replication_remote_unavailable{repository=\"/mnt/usb/repo\"}"));

        // the store cannot be reached: a state of its own, with since when; it counts as failing too
        Instant since = Instant.now().minus(Duration.ofMinutes(20));
        String s3 = "s3:http://minio.lan:9000/backups/laptop";
        Files.writeString(file, "{\"repository\": \"" + s3 + "\", \"state\": \"remote unavailable\", \"interval_seconds\": 300, "
                + "\"in_sync_at\": \"" + inSync + "\", \"pending_changes\": 2, \"pending_bytes\": 10, \"last_push_bytes_added\": 0, "
                + "\"last_push_problems\": 0, \"failures_in_a_row\": 4, \"unavailable_since\": \"" + since + "\", "
                + "\"last_error\": \"s3:http://minio.lan:9000/backups/laptop: GET config failed: ConnectException: Connection refused\"}");
        m = PrometheusText.parse(get("/metrics").body());
        String label = "{repository=\"" + s3 + "\"}";
        assertEquals(1.0, value(m, "keepwatch_replication_remote_unavailable" + label));
        assertEquals(1.0, value(m, "keepwatch_replication_failing" + label));
        live = get("/live").body();
        assertTrue(live.contains("<p class=\"replication bad\">Repository " + s3 + ": <b>remote unavailable</b> since "), live);
        assertTrue(live.contains("last error: " + s3 + ": GET config failed: ConnectException: Connection refused"), live);
    }

    @Test
    void metricsFollowTheEventsAndParse() throws Exception {
        Instant t = Instant.now();
        var l = page.listener();
        l.on(new EngineEvent.PassStarted(t, Trigger.STARTUP, List.of("docs")));
        l.on(new EngineEvent.FileBackedUp(t, "docs", "a.txt", 1));
        l.on(new EngineEvent.Failure(t, "docs", "b.txt", FailureReason.PERMISSION, "FAILED b.txt: denied"));
        l.on(new EngineEvent.PassFinished(t, Trigger.STARTUP, List.of("docs"), t, new Counts(1, 0, 0, 0, 0, 1, 0, 1), List.of(),
                Outcome.PARTIAL, Optional.empty()));
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/metrics").body().contains("outcome=\"partial\",trigger=\"startup\"} 1.0"));
        Map<String, Object> m = PrometheusText.parse(get("/metrics").body());
        assertEquals(1.0, value(m, "keepwatch_passes_total{outcome=\"partial\",trigger=\"startup\"}"));
        assertEquals(0.0, value(m, "keepwatch_passes_total{outcome=\"ok\",trigger=\"batch\"}"));
        assertEquals(1.0, value(m, "keepwatch_failures_total{reason=\"permission\",source=\"docs\"}"));
        assertEquals(1.0, value(m, "keepwatch_file_actions_total{action=\"backed_up\",source=\"docs\"}"));
        assertEquals(1.0, value(m, "keepwatch_source_state{source=\"docs\",state=\"ok\"}"));
        assertEquals(0.0, value(m, "keepwatch_source_state{source=\"docs\",state=\"unavailable\"}"));
        assertEquals(t.toEpochMilli() / 1000.0, value(m, "keepwatch_last_success_timestamp_seconds{source=\"docs\"}"), 0.001);
        assertEquals(3.0, value(m, "keepwatch_queue_depth"));
        assertTrue(value(m, "jvm_memory_used_bytes{area=\"heap\"}") > 0);
        assertEquals("counter", m.get("#type keepwatch_passes"));
        assertEquals("histogram", m.get("#type keepwatch_backup_latency_seconds"));
        assertEquals("gauge", m.get("#type keepwatch_tracked_files"));
    }

    @Test
    void theBackupRootsDiskUseIsCountedOnlyOnceTheServiceIsReady() throws Exception {
        page.close();
        java.util.concurrent.atomic.AtomicBoolean ready = new java.util.concurrent.atomic.AtomicBoolean();
        page = start(ready::get);
        String counted = "keepwatch_tracked_files{source=\"docs\"}";
        // the page looks every second whether to count: not while the service starts up
        await().during(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(10)).until(() -> !get("/metrics").body().contains(counted));
        ready.set(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> get("/metrics").body().contains(counted));
    }

    @Test
    void oneHundredClientsForTenSecondsWithoutErrorsOrMemoryGrowth() throws Exception {
        for (int i = 0; i < 50; i++) {
            assertEquals(200, get(i % 2 == 0 ? "/" : "/metrics").statusCode()); // warm up
        }
        long before = usedAfterGc();
        List<String> errors = new CopyOnWriteArrayList<>();
        long[] done = new long[100];
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String[] paths = {"/", "/live", "/metrics", "/assets/style.css", "/?q=a.txt"};
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 100; c++) {
            int id = c;
            Thread th = new Thread(() -> {
                HttpClient own = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                int k = id;
                while (System.nanoTime() < end) {
                    String path = paths[k++ % paths.length];
                    try {
                        HttpResponse<String> r = own.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            errors.add(path + ": " + r.statusCode());
                        }
                        done[id]++;
                    } catch (IOException | InterruptedException e) {
                        errors.add(path + ": " + e);
                    }
                }
            });
            th.start();
            clients.add(th);
        }
        for (Thread th : clients) {
            th.join();
        }
        assertEquals(List.of(), errors.subList(0, Math.min(10, errors.size())));
        for (long n : done) {
            assertNotEquals(0, n, "every client was answered");
        }
        long growth = usedAfterGc() - before;
        assertTrue(growth < 50L << 20, "the heap grew by " + (growth >> 20) + " MiB");
    }

    private static long usedAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200); // not synchronisation: gives the collector's finalisation a moment before measuring
            best = Math.min(best, rt.totalMemory() - rt.freeMemory());
        }
        return best;
    }

    @Test
    void stuckClientsNeverHoldUpTheListener() throws Exception {
        // more clients than the server has threads, each sending half a request and then nothing
        List<Socket> stuck = new ArrayList<>();
        try {
            for (int i = 0; i < WebServer.THREADS * 2; i++) {
                Socket s = new Socket("127.0.0.1", page.port());
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes());
                s.getOutputStream().flush();
                stuck.add(s);
            }
            // the engine's side: every event is taken at once, whatever the page's threads are doing
            var l = page.listener();
            Instant t = Instant.now();
            for (int i = 0; i < 50_000; i++) {
                l.on(new EngineEvent.FileBackedUp(t, "docs", "f" + i, 1));
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> page.liveView().recent().get(0).text().endsWith("docs/f49999"));
        } finally {
            for (Socket s : stuck) {
                s.close();
            }
        }
        assertFalse(page.liveView().recent().isEmpty());
    }
}
