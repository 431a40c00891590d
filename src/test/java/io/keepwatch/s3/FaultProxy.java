package io.keepwatch.s3;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy for tests, between an S3 client and its server, that misbehaves on purpose. Each new connection
 * gets the next fault of a cyclic plan: pass (but cut after {@code passBudget} bytes in either direction, so
 * connections keep being made, mid-request or mid-response), drop after some bytes of the upload, delay before
 * connecting, flip one bit of the upload (a body corrupted on the way), or answer the first request itself with an S3
 * error (500 InternalError, 503 SlowDown, 429 SlowDown) and close. {@link #down} makes it refuse every connection until {@link #up}. Counts what it did.
 */
public final class FaultProxy implements Closeable {
    /** What one connection gets. */
    public sealed interface Fault permits Pass, Drop, Delay, Flip, Respond {
    }

    /** Forwards, cutting the connection after {@code budget} bytes in either direction. */
    public record Pass(long budget) implements Fault {
    }

    /** Forwards {@code after} bytes of the request, then cuts the connection. */
    public record Drop(long after) implements Fault {
    }

    /** Forwards, with the lowest bit of the upload's byte at offset {@code at} (from the connection's start) flipped. */
    public record Flip(long at) implements Fault {
    }

    /** Waits, then forwards as {@link Pass}. */
    public record Delay(long millis, long budget) implements Fault {
    }

    /** Answers the first request with {@code status} and an S3 error {@code code}, then closes. */
    public record Respond(int status, String code) implements Fault {
    }

    private final ServerSocket server;
    private final int targetPort;
    private final List<Fault> plan;
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicLong bytes = new AtomicLong();
    private volatile boolean down;
    private volatile boolean closed;

    public FaultProxy(int targetPort, List<Fault> plan) throws IOException {
        this.targetPort = targetPort;
        this.plan = List.copyOf(plan);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "fault-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    /** How many connections got each kind of fault ({@code Pass}, {@code Drop}, {@code Delay}, {@code 503 SlowDown}, ...). */
    public int count(String kind) {
        AtomicInteger c = counts.get(kind);
        return c == null ? 0 : c.get();
    }

    /** Every connection is refused (closed at once) and the open ones are cut: the endpoint is down. */
    public void down() {
        down = true;
        for (Socket s : open) {
            quietClose(s);
        }
    }

    public void up() {
        down = false;
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (down) {
                counts.computeIfAbsent("refused", k -> new AtomicInteger()).incrementAndGet();
                quietClose(client);
                continue;
            }
            Fault f = plan.get(Math.floorMod(next.getAndIncrement(), plan.size()));
            String kind = f instanceof Respond r ? r.status() + " " + r.code() : f.getClass().getSimpleName();
            counts.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
            Thread t = new Thread(() -> serve(client, f), "fault-proxy-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket client, Fault f) {
        open.add(client);
        try (client) {
            if (f instanceof Respond r) {
                respond(client, r);
                return;
            }
            long budget;
            long upLimit;
            long flipAt = f instanceof Flip x ? x.at() : -1;
            if (f instanceof Delay d) {
                Thread.sleep(d.millis());
                budget = d.budget();
                upLimit = budget;
            } else if (f instanceof Drop d) {
                budget = Long.MAX_VALUE;
                upLimit = d.after();
            } else if (f instanceof Flip) {
                budget = Long.MAX_VALUE;
                upLimit = Long.MAX_VALUE;
            } else {
                budget = ((Pass) f).budget();
                upLimit = budget;
            }
            try (Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
                open.add(upstream);
                Thread back = new Thread(() -> pipe(upstream, client, budget, -1), "fault-proxy-down");
                back.setDaemon(true);
                back.start();
                pipe(client, upstream, upLimit, flipAt);
                back.join(100);
            } finally {
                open.removeIf(s -> s.isClosed());
            }
        } catch (IOException | InterruptedException e) {
            // a cut connection is what this proxy is for
        } finally {
            open.remove(client);
        }
    }

    /** Copies until EOF or {@code limit} bytes (flipping a bit of byte {@code flipAt}, if not -1), then closes both sockets. */
    private void pipe(Socket from, Socket to, long limit, long flipAt) {
        byte[] buf = new byte[16 * 1024];
        long n = 0;
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (n < limit) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, limit - n));
                if (r < 0) {
                    break;
                }
                if (flipAt >= n && flipAt < n + r) {
                    buf[(int) (flipAt - n)] ^= 1;
                }
                out.write(buf, 0, r);
                n += r;
                bytes.addAndGet(r);
            }
        } catch (IOException e) {
            // cut
        } finally {
            quietClose(from);
            quietClose(to);
        }
    }

    /** Reads the request's head (and its body, unless the client waits for 100-continue), then answers with the error. */
    private static void respond(Socket client, Respond r) throws IOException {
        InputStream in = client.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            head.write(b);
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        String lower = h.toLowerCase(Locale.ROOT);
        boolean isHead = h.startsWith("HEAD ");
        if (!lower.contains("expect: 100-continue")) {
            int i = lower.indexOf("content-length:");
            if (i >= 0) {
                long len = Long.parseLong(lower.substring(i + 15, lower.indexOf('\r', i)).trim());
                in.skipNBytes(len);
            }
        }
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + r.code() + "</Code><Message>injected by the test"
                + "</Message><RequestId>fault</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
        String reason = r.status() == 429 ? "Too Many Requests" : r.status() == 503 ? "Service Unavailable" : "Internal Server Error";
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 " + r.status() + " " + reason + "\r\nContent-Type: application/xml\r\nContent-Length: "
                + (isHead ? 0 : body.length) + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        if (!isHead) {
            out.write(body);
        }
        out.flush();
        client.shutdownOutput();
    }

    private static void quietClose(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) {
            quietClose(s);
        }
    }
}
