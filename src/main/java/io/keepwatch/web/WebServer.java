package io.keepwatch.web;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keepwatch.config.HttpConfig;
import io.keepwatch.restore.Timeline;
import io.keepwatch.state.FileRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the status page: the JDK's {@code com.sun.net.httpserver} (no jar, no framework) with
 * {@value #THREADS} threads of its own. Reading needs no token unless {@code token_required}; every action (a POST)
 * needs it, as {@code Authorization: Bearer <token>} or the cookie {@code /login} sets (HttpOnly, SameSite=Strict),
 * and gets 401 without it. On a loopback address, a request whose {@code Host} is not a loopback name is refused
 * (403), so that another web site cannot read the page through DNS rebinding.
 */
final class WebServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebServer.class);
    static final int THREADS = 8;
    static final String COOKIE = "keepwatch_token";
    /** How long a client may take to send its request. */
    static final int REQUEST_SECONDS = 20;
    private static final Set<String> ASSETS = Set.of("style.css", "app.js", "icon.svg");

    private final HttpServer server;
    private final ExecutorService executor;
    private final StatusPage page;
    private final Token token;
    private final HttpConfig config;

    private WebServer(HttpServer server, ExecutorService executor, StatusPage page, Token token, HttpConfig config) {
        this.server = server;
        this.executor = executor;
        this.page = page;
        this.token = token;
        this.config = config;
    }

    static WebServer start(HttpConfig config, StatusPage page, Token token) throws IOException {
        // A client that sends half a request holds one of the threads until it is closed: the JDK's server closes it
        // after this many seconds (read once, when its first server starts; a value given with -D is kept).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_SECONDS));
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(config.host()), config.port()), 64);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "keepwatch-web-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.allowCoreThreadTimeOut(true);
        server.setExecutor(executor);
        WebServer w = new WebServer(server, executor, page, token, config);
        server.createContext("/", w::handle);
        server.start();
        return w;
    }

    /** The port it listens on (the one the system picked, for port 0). */
    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            x.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            x.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            x.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
            x.getResponseHeaders().set("Cache-Control", "no-store");
            if (!hostAllowed(x)) {
                text(x, 403, "This page answers to 127.0.0.1, localhost or [::1] only.\n");
                return;
            }
            String path = x.getRequestURI().getPath();
            String method = x.getRequestMethod();
            boolean authorized = authorized(x);
            if (config.tokenRequired() && !authorized && !path.equals("/login") && !path.startsWith("/assets/")) {
                if (path.equals("/") && method.equals("GET")) {
                    html(x, 401, page.loginOnly());
                } else {
                    unauthorized(x);
                }
                return;
            }
            if (method.equals("POST")) {
                post(x, path, authorized);
            } else if (method.equals("GET") || method.equals("HEAD")) {
                get(x, path, authorized);
            } else {
                x.getResponseHeaders().set("Allow", "GET, HEAD, POST");
                text(x, 405, "Method not allowed\n");
            }
        } catch (IOException e) {
            log.debug("status page: {} {}: {}", x.getRequestMethod(), x.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            log.warn("status page: {} {} failed", x.getRequestMethod(), x.getRequestURI(), e);
        }
    }

    private void get(HttpExchange x, String path, boolean authorized) throws IOException {
        Map<String, String> q = query(x.getRequestURI().getRawQuery());
        switch (path) {
            case "/" -> html(x, 200, page.render(q.getOrDefault("q", ""), Optional.ofNullable(q.get("path")), authorized,
                    Optional.ofNullable(q.get("msg")).flatMap(StatusPage::message)));
            case "/live" -> html(x, 200, page.live());
            case "/metrics" -> {
                ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
                page.metrics().write(out);
                send(x, 200, Metrics.contentType(), out.toByteArray());
            }
            case "/download" -> download(x, q);
            default -> {
                if (path.startsWith("/assets/") && ASSETS.contains(path.substring(8))) {
                    asset(x, path.substring(8));
                } else {
                    text(x, 404, "Not found\n");
                }
            }
        }
    }

    private void post(HttpExchange x, String path, boolean authorized) throws IOException {
        Map<String, String> form = form(x);
        if (path.equals("/login")) {
            if (token.matches(form.get("token"))) {
                x.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + form.get("token").strip()
                        + "; Path=/; HttpOnly; SameSite=Strict");
                redirect(x, "/?msg=signed-in");
            } else {
                unauthorized(x);
            }
            return;
        }
        if (!authorized) {
            unauthorized(x);
            return;
        }
        switch (path) {
            case "/action/pass" -> done(x, page.actions().fullPass() ? "pass" : "no-service");
            case "/action/verify" -> done(x, page.actions().verify() ? "verify" : "verify-busy");
            case "/action/accept" -> {
                String source = form.getOrDefault("source", "").strip();
                if (!page.sourceNames().contains(source)) {
                    text(x, 400, "No source named '" + source + "'; sources: " + String.join(", ", page.sourceNames()) + "\n");
                    return;
                }
                page.actions().acceptDeletions(source);
                done(x, "accept");
            }
            default -> text(x, 404, "Not found\n");
        }
    }

    /** A form's POST is sent back to the page (303); a script's or curl's (no HTML wanted) gets a line of text. */
    private static void done(HttpExchange x, String what) throws IOException {
        String accept = Optional.ofNullable(x.getRequestHeaders().getFirst("Accept")).orElse("");
        if (accept.contains("text/html")) {
            redirect(x, "/?msg=" + what);
        } else {
            text(x, 202, StatusPage.message(what).orElse(what) + "\n");
        }
    }

    private void download(HttpExchange x, Map<String, String> q) throws IOException {
        FileRef ref;
        try {
            ref = FileRef.parse(q.getOrDefault("path", ""));
        } catch (IllegalArgumentException e) {
            text(x, 400, e.getMessage() + "\n");
            return;
        }
        Optional<FileVersions.Download> d;
        try {
            d = page.versions().open(ref, q.getOrDefault("id", "current"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            text(x, 503, "Interrupted\n");
            return;
        } catch (IOException e) {
            text(x, 404, "Cannot read it: " + e.getMessage() + "\n");
            return;
        }
        if (d.isEmpty()) {
            text(x, 404, "The backup holds no such copy of " + ref + "\n");
            return;
        }
        Timeline.Entry e = d.get().entry();
        String name = ref.rel().substring(ref.rel().lastIndexOf('/') + 1);
        x.getResponseHeaders().set("Content-Disposition", "attachment; filename*=UTF-8''" + Page.url(name).replace("+", "%20"));
        x.getResponseHeaders().set("Content-Type", "application/octet-stream");
        try (var in = d.get().bytes()) {
            long size = in.size();
            x.sendResponseHeaders(200, x.getRequestMethod().equals("HEAD") ? -1 : Math.max(size, 0) == 0 ? -1 : size);
            if (!x.getRequestMethod().equals("HEAD") && size > 0) {
                try (OutputStream out = x.getResponseBody()) {
                    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                    long left = size;
                    while (left > 0) {
                        buf.clear();
                        int r = in.read(buf);
                        if (r < 0) {
                            break; // shorter than it was: the client sees a short body
                        }
                        out.write(buf.array(), 0, r);
                        left -= r;
                    }
                }
            }
        }
        log.debug("status page: downloaded {} of {}", e.describe(), ref);
    }

    private boolean authorized(HttpExchange x) {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) && token.matches(auth.substring(7))) {
            return true;
        }
        List<String> cookies = x.getRequestHeaders().get("Cookie");
        if (cookies != null) {
            for (String header : cookies) {
                for (String c : header.split(";")) {
                    String t = c.strip();
                    if (t.startsWith(COOKIE + "=") && token.matches(t.substring(COOKIE.length() + 1))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private boolean hostAllowed(HttpExchange x) {
        if (config.tokenRequired()) {
            return true; // behind a proxy, any name; every request carries the token
        }
        String host = Optional.ofNullable(x.getRequestHeaders().getFirst("Host")).orElse("").toLowerCase(Locale.ROOT);
        int colon = host.lastIndexOf(':');
        String name = colon > host.lastIndexOf(']') ? host.substring(0, colon) : host;
        return name.equals("127.0.0.1") || name.equals("localhost") || name.equals("[::1]");
    }

    private static void unauthorized(HttpExchange x) throws IOException {
        x.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"keepwatch\"");
        text(x, 401, "This needs the token (in .keepwatch/http-token of the backup root): send 'Authorization: Bearer <token>', "
                + "or enter it once on the page.\n");
    }

    private static void redirect(HttpExchange x, String to) throws IOException {
        x.getResponseHeaders().set("Location", to);
        x.sendResponseHeaders(303, -1);
    }

    private void asset(HttpExchange x, String name) throws IOException {
        try (InputStream in = WebServer.class.getResourceAsStream("assets/" + name)) {
            if (in == null) {
                text(x, 404, "Not found\n");
                return;
            }
            String type = name.endsWith(".css") ? "text/css; charset=utf-8" : name.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : "image/svg+xml";
            x.getResponseHeaders().set("Cache-Control", "max-age=300");
            send(x, 200, type, in.readAllBytes());
        }
    }

    private static void html(HttpExchange x, int code, String body) throws IOException {
        send(x, code, "text/html; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void text(HttpExchange x, int code, String body) throws IOException {
        send(x, code, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** A form body (application/x-www-form-urlencoded), at most 64 KiB. */
    private static Map<String, String> form(HttpExchange x) throws IOException {
        byte[] body = x.getRequestBody().readNBytes(64 * 1024);
        return query(new String(body, StandardCharsets.UTF_8));
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.putIfAbsent(k, v);
            } catch (IllegalArgumentException e) {
                // a malformed escape: the pair is ignored
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
