package io.keepwatch.web;

import static io.keepwatch.testing.PrometheusText.value;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.PrometheusText;
import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page of {@code keepwatch run} (the packaged jar, as a process) in a real browser: Debian's chromium,
 * headless, driven through Debian's chromedriver (never one Selenium Manager would fetch). Also {@code /metrics}
 * after known edits, parsed by Prometheus' own parser, clients that get stuck while the engine backs up, and
 * {@code once --metrics-textfile}. The test leaves a screenshot in {@code target/status-page.png} (docs/ keeps one).
 */
class StatusPageIT {
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
    private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");

    @TempDir
    Path tmp;
    private Path config;
    private final List<Process> started = new ArrayList<>();
    private WebDriver browser;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(tmp.resolve("src/docs"));
        Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(tmp.resolve("src/hello.txt"), "hello, first version\n");
        Files.writeString(tmp.resolve("src/docs/notes.md"), "# notes\n");
        Files.write(tmp.resolve("photos/cat.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, 1, 2, 3});
        config = tmp.resolve("config.json");
        Files.writeString(config, "{\"sources\": [\"./src\", \"./photos\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"http\": {\"listen\": \"127.0.0.1:0\"}, "
                + "\"watch\": {\"debounce_ms\": 150, \"max_delay_ms\": 1000, \"state_flush_ms\": 200}}");
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (browser != null) {
            browser.quit();
        }
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private Process start(String name, String... args) throws IOException {
        Path jar = Paths.get("target", "keepwatch.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run `mvn package` (or `mvn verify`) first");
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile()).start();
        started.add(p);
        return p;
    }

    private String log() throws IOException {
        Path p = tmp.resolve("logs/keepwatch.log");
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** Starts the service and returns the page's address, as its log line names it. */
    private String startService() throws IOException {
        Process p = start("run", "run", "-c", config.toString());
        await().atMost(DEADLINE).until(() -> log().contains("Ready") || !p.isAlive());
        assertTrue(p.isAlive(), "the service died: " + Files.readString(tmp.resolve("run.err")));
        Matcher m = Pattern.compile("Status page: (http://127\\.0\\.0\\.1:[0-9]+/)").matcher(log());
        assertTrue(m.find(), log());
        return m.group(1);
    }

    private WebDriver browser(Path downloads) {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,1500",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-default-apps", "--disable-domain-reliability", "--metrics-recording-only",
                "--disable-client-side-phishing-detection", "--disable-features=Translate,OptimizationHints,MediaRouter");
        o.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                "download.prompt_for_download", false, "safebrowsing.enabled", false));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    private HttpResponse<String> send(HttpRequest r) throws IOException, InterruptedException {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    private String text(By by) {
        return browser.findElement(by).getText();
    }

    @Test
    void thePageShowsTheSourcesFollowsAnEditDownloadsAVersionAndRefusesActionsWithoutTheToken() throws Exception {
        assertTrue(Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM),
                "apt-get install chromium chromium-driver (.ci/run does)");
        String page = startService();
        Path downloads = Files.createDirectories(tmp.resolve("downloads"));
        browser = browser(downloads);
        browser.get(page);

        // each source, watched, with the time of its last backup
        for (String source : List.of("src", "photos")) {
            By row = By.cssSelector("tr[data-source='" + source + "']");
            await().atMost(DEADLINE).ignoreExceptions().until(() -> browser.findElement(row).findElement(By.className("badge")).getText()
                    .equals("watching"));
            assertNotEquals("not yet", browser.findElement(row).findElement(By.className("last-backup")).getText());
        }
        By srcBackup = By.cssSelector("tr[data-source='src'] .last-backup time");
        String before = browser.findElement(srcBackup).getAttribute("datetime");

        // an edit shows up without a reload: the marker set in this page survives
        ((JavascriptExecutor) browser).executeScript("window.keepwatchMarker = 'same page';");
        Files.writeString(tmp.resolve("src/hello.txt"), "hello, second version\n");
        String updated = "UPDATED: " + tmp.resolve("src/hello.txt") + " → src/hello.txt";
        await().atMost(DEADLINE).ignoreExceptions().until(() -> text(By.id("recent")).contains(updated));
        await().atMost(DEADLINE).ignoreExceptions().until(() -> !browser.findElement(srcBackup).getAttribute("datetime").equals(before));
        assertTrue(text(By.id("recent")).contains("ARCHIVE: src/hello.txt → versions/src/hello.txt/v1.bak"), text(By.id("recent")));
        assertEquals("same page", ((JavascriptExecutor) browser).executeScript("return window.keepwatchMarker;"));
        assertTrue(log().contains(updated), "the page speaks the log's words");
        await().atMost(DEADLINE).ignoreExceptions().until(() -> {
            browser.navigate().refresh(); // the disk use section is not live: it shows the count at the page's load
            return text(By.id("disk")).contains("versions") && browser.findElements(By.cssSelector("svg.chart polyline")).size() == 3;
        });
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), Paths.get("target", "status-page.png"),
                StandardCopyOption.REPLACE_EXISTING);

        // search a path, see its versions, download the first one: the bytes it had
        WebElement q = browser.findElement(By.id("q"));
        q.sendKeys("hello");
        q.submit();
        await().atMost(DEADLINE).ignoreExceptions().until(() -> browser.findElement(By.linkText("src/hello.txt")).isDisplayed());
        browser.findElement(By.linkText("src/hello.txt")).click();
        await().atMost(DEADLINE).ignoreExceptions().until(() -> browser.findElements(By.cssSelector("table.versions tbody tr")).size() == 2);
        List<WebElement> rows = browser.findElements(By.cssSelector("table.versions tbody tr"));
        assertEquals(2, rows.size(), text(By.id("file")));
        assertTrue(rows.get(0).getText().startsWith("current"), rows.get(0).getText());
        assertTrue(rows.get(1).getText().startsWith("version 1"), rows.get(1).getText());
        rows.get(1).findElement(By.className("download")).click();
        Path got = downloads.resolve("hello.txt");
        await().atMost(DEADLINE).until(() -> Files.isRegularFile(got) && Files.size(got) > 0 && noPartial(downloads));
        assertArrayEquals("hello, first version\n".getBytes(StandardCharsets.UTF_8), Files.readAllBytes(got));

        // an action without the token: 401, in the browser and for a script; nothing is asked of the service
        browser.findElement(By.id("act-pass")).click();
        await().atMost(DEADLINE).ignoreExceptions().until(() -> browser.getPageSource().contains("This needs the token"));
        HttpResponse<String> refused = send(HttpRequest.newBuilder(URI.create(page + "action/verify"))
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(401, refused.statusCode());
        assertTrue(!log().contains("asked for on the status page"), log());

        // with the token entered once, the action is done
        browser.get(page);
        browser.findElement(By.id("token")).sendKeys(Files.readString(tmp.resolve("backup/.keepwatch/http-token")).strip());
        browser.findElement(By.id("token")).submit();
        await().atMost(DEADLINE).ignoreExceptions().until(() -> text(By.className("message")).contains("The token is remembered"));
        browser.findElement(By.id("act-pass")).click();
        await().atMost(DEADLINE).ignoreExceptions().until(() -> text(By.className("message"))
                .contains("A full pass of every source was asked for"));
        await().atMost(DEADLINE).until(() -> log().contains("Full pass of src: Run complete"));
    }

    private static boolean noPartial(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.noneMatch(p -> p.getFileName().toString().endsWith(".crdownload"));
        }
    }

    @Test
    void metricsAfterKnownEditsAndStuckClientsNeverHoldUpABackup() throws Exception {
        String page = startService();
        Files.writeString(tmp.resolve("src/hello.txt"), "hello, second version\n");
        Files.writeString(tmp.resolve("src/new.txt"), "new\n");
        await().atMost(DEADLINE).until(() -> Files.exists(tmp.resolve("backup/src/new.txt"))
                && Files.exists(tmp.resolve("backup/versions/src/hello.txt/v1.bak")));
        Map<String, Object> m = awaitMetrics(page, x -> value(x, "keepwatch_version_files{source=\"src\"}") == 1.0
                && value(x, "keepwatch_tracked_files{source=\"src\"}") == 3.0);
        assertEquals(1.0, value(m, "keepwatch_file_actions_total{action=\"updated\",source=\"src\"}"));
        assertEquals(3.0, value(m, "keepwatch_file_actions_total{action=\"backed_up\",source=\"src\"}"));
        assertEquals(1.0, value(m, "keepwatch_file_actions_total{action=\"version_archived\",source=\"src\"}"));
        assertEquals(1.0, value(m, "keepwatch_tracked_files{source=\"photos\"}"));
        assertEquals(5.0, value(m, "keepwatch_tracked_bytes{source=\"photos\"}"));
        assertEquals(21.0, value(m, "keepwatch_version_bytes{source=\"src\"}"));
        assertEquals(0.0, value(m, "keepwatch_deleted_files{source=\"src\"}"));
        assertEquals(2.0, value(m, "keepwatch_passes_total{outcome=\"ok\",trigger=\"startup\"}"));
        assertTrue(value(m, "keepwatch_passes_total{outcome=\"ok\",trigger=\"batch\"}") >= 1);
        assertEquals(1.0, value(m, "keepwatch_source_state{source=\"src\",state=\"ok\"}"));
        assertEquals(0.0, value(m, "keepwatch_source_held_deletions{source=\"photos\"}"));
        assertTrue(value(m, "keepwatch_backup_latency_seconds_count") >= 1);
        assertTrue(value(m, "keepwatch_last_success_timestamp_seconds{source=\"src\"}") > 1.7e9);
        assertEquals(0.0, value(m, "keepwatch_queue_depth"));
        assertTrue(value(m, "jvm_memory_used_bytes{area=\"heap\"}") > 0);

        Files.delete(tmp.resolve("src/new.txt"));
        Files.writeString(tmp.resolve("src/broken.txt"), "x");
        await().atMost(DEADLINE).until(() -> Files.exists(tmp.resolve("backup/src/broken.txt")));
        m = awaitMetrics(page, x -> value(x, "keepwatch_deleted_files{source=\"src\"}") == 1.0);
        assertEquals(1.0, value(m, "keepwatch_file_actions_total{action=\"deleted\",source=\"src\"}"));

        // clients that send half a request and never the rest, more of them than the page has threads
        List<Socket> stuck = new ArrayList<>();
        try {
            int port = URI.create(page).getPort();
            for (int i = 0; i < WebServer.THREADS * 3; i++) {
                Socket s = new Socket("127.0.0.1", port);
                s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                stuck.add(s);
            }
            Files.writeString(tmp.resolve("src/while-stuck.txt"), "still backed up\n");
            await().atMost(DEADLINE).until(() -> Files.exists(tmp.resolve("backup/src/while-stuck.txt")));
            assertEquals("still backed up\n", Files.readString(tmp.resolve("backup/src/while-stuck.txt")));
        } finally {
            for (Socket s : stuck) {
                s.close();
            }
        }
        assertEquals(200, send(HttpRequest.newBuilder(URI.create(page)).build()).statusCode(), "the page answers again");
    }

    private Map<String, Object> awaitMetrics(String page, java.util.function.Predicate<Map<String, Object>> ready) {
        Map<String, Object>[] last = new Map[1];
        await().atMost(DEADLINE).ignoreExceptions().until(() -> {
            last[0] = PrometheusText.parse(send(HttpRequest.newBuilder(URI.create(page + "metrics")).build()).body());
            return ready.test(last[0]);
        });
        return last[0];
    }

    @Test
    void onceWritesTheSameMetricsToATextfileAtomically() throws Exception {
        Path prom = tmp.resolve("textfile/keepwatch.prom");
        Files.createDirectories(prom.getParent());
        Process once = start("once", "once", "-c", config.toString(), "--metrics-textfile", prom.toString());
        assertTrue(once.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, once.exitValue(), Files.readString(tmp.resolve("once.err")));
        Files.writeString(tmp.resolve("src/hello.txt"), "hello, second version\n");
        once = start("once2", "once", "-c", config.toString(), "--metrics-textfile", prom.toString());
        assertTrue(once.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS));
        assertEquals(0, once.exitValue(), Files.readString(tmp.resolve("once2.err")));

        try (Stream<Path> s = Files.list(prom.getParent())) {
            assertEquals(List.of(prom), s.toList(), "no temporary file is left beside it");
        }
        Map<String, Object> m = PrometheusText.parse(Files.readString(prom));
        assertEquals(1.0, value(m, "keepwatch_passes_total{outcome=\"ok\",trigger=\"once\"}"));
        assertEquals(1.0, value(m, "keepwatch_file_actions_total{action=\"updated\",source=\"src\"}"));
        assertEquals(2.0, value(m, "keepwatch_tracked_files{source=\"src\"}"));
        assertEquals(1.0, value(m, "keepwatch_version_files{source=\"src\"}"));
        assertEquals(1.0, value(m, "keepwatch_source_state{source=\"photos\",state=\"ok\"}"));
        assertTrue(value(m, "keepwatch_last_success_timestamp_seconds{source=\"photos\"}") > 1.7e9);
        assertEquals("counter", m.get("#type keepwatch_passes"));
        assertTrue(Files.readString(tmp.resolve("logs/keepwatch.log")).contains("Metrics written to " + prom), log());
    }
}
