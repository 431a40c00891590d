import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The continuous mode of issue 16, for bench/s3.sh: {@code keepwatch run} replicating into an S3 repository.
 *
 * <pre>java bench/ReplicationBench.java launcher=BIN work=DIR data=DIR url=s3:http://... interval=S edits=K
 *     localEdits=E rounds=R csv=FILE [seed=N]</pre>
 *
 * Two sources: {@code data} (data set A, never written to) and {@code WORK/cont-edits} (20 small files the edits
 * change). (1) Edit to remote snapshot: the service replicates every {@code interval} s; each of K edits (at a random
 * moment within an interval of the one before) writes unique content to one file; its latency is from the write to
 * the moment the service's {@code .keepwatch/replication.json} (polled every 10 ms) names the first snapshot that
 * holds it, which is checked by restoring that file from that snapshot ({@code restore --repo --snapshot}) and
 * comparing its bytes. (2) Local edit to backup latency with replication off and on: R rounds of E sequential edits
 * each (order alternating), each edit's copy in the backup root polled every 2 ms; with replication on, pushes run
 * during the edits. Prints p50, p90, p99 and max; raw figures appended to {@code csv}.
 */
public final class ReplicationBench {
    private static final Pattern FIELD = Pattern.compile("\"(state|last_snapshot|last_push_at)\"\\s*:\\s*\"([^\"]*)\"");
    private static final int FILES = 20;

    private final Map<String, String> o;
    private final Path work;
    private final Path edits;
    private final Path backup;
    private final Path log;
    private final Random random;

    private ReplicationBench(Map<String, String> o) {
        this.o = o;
        this.work = Paths.get(o.get("work")).toAbsolutePath();
        this.edits = work.resolve("cont-edits");
        this.backup = work.resolve("cont-backup");
        this.log = work.resolve("cont-logs/keepwatch.log");
        this.random = new Random(Long.parseLong(o.getOrDefault("seed", "42")));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (String a : args) {
            int i = a.indexOf('=');
            o.put(a.substring(0, i), a.substring(i + 1));
        }
        for (String k : List.of("launcher", "work", "data", "url", "interval", "edits", "localEdits", "rounds", "csv")) {
            if (!o.containsKey(k)) {
                System.err.println("missing " + k + "=...");
                System.exit(64);
            }
        }
        new ReplicationBench(o).run();
    }

    private int n(String key) {
        return Integer.parseInt(o.get(key));
    }

    private void run() throws Exception {
        int interval = n("interval");
        Files.createDirectories(edits);
        for (int i = 0; i < FILES; i++) {
            Files.writeString(edits.resolve("e" + i + ".txt"), "initial " + i);
        }
        Path on = config("cont-on.json", true);
        Path off = config("cont-off.json", false);
        kw("once", "once", "-c", on.toString());
        kw("init", "init", "-c", on.toString());

        // (1) edit -> remote snapshot
        List<Double> remote = new ArrayList<>();
        List<Double> localWhileRemote = new ArrayList<>();
        Process service = start(on, true);
        Observer observer = new Observer(backup.resolve(".keepwatch/replication.json"));
        observer.start();
        try {
            for (int i = 0; i < n("edits"); i++) {
                TimeUnit.MILLISECONDS.sleep(random.nextInt(interval * 1000 + 1));
                String rel = "e" + (i % FILES) + ".txt";
                String content = "remote edit " + i + " " + random.nextLong();
                int seen = observer.pushes.size();
                long t0 = System.nanoTime();
                Files.writeString(edits.resolve(rel), content);
                localWhileRemote.add(waitLocal(rel, content, t0));
                double ms = waitRemote(observer, seen, rel, content, t0, Duration.ofSeconds(interval + 600L));
                remote.add(ms);
                System.err.printf("[bench] edit %d: in the backup after %.0f ms, in a pushed snapshot after %.0f ms%n", i,
                        localWhileRemote.get(i), ms);
            }
        } finally {
            observer.interrupt();
            stop(service);
        }

        // (2) local latency, replication off and on
        Map<Boolean, List<Double>> local = new HashMap<>();
        local.put(false, new ArrayList<>());
        local.put(true, new ArrayList<>());
        for (int r = 0; r < n("rounds"); r++) {
            for (boolean replicate : r % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                Process p = start(replicate ? on : off, replicate);
                try {
                    for (int i = 0; i < n("localEdits"); i++) {
                        String rel = "e" + random.nextInt(FILES) + ".txt";
                        String content = "local edit " + r + " " + i + " " + random.nextLong();
                        long t0 = System.nanoTime();
                        Files.writeString(edits.resolve(rel), content);
                        local.get(replicate).add(waitLocal(rel, content, t0));
                        TimeUnit.MILLISECONDS.sleep(random.nextInt(300));
                    }
                } finally {
                    stop(p);
                }
                System.err.printf("[bench] round %d, replication %s: %d local edits%n", r + 1, replicate ? "on" : "off", n("localEdits"));
            }
        }

        StringBuilder csv = new StringBuilder();
        remote.forEach(v -> csv.append("continuous-edit-to-remote-ms,kw,").append(interval).append(',').append(v).append('\n'));
        local.get(false).forEach(v -> csv.append("local-latency-ms,kw-replication-off,").append(interval).append(',').append(v).append('\n'));
        local.get(true).forEach(v -> csv.append("local-latency-ms,kw-replication-on,").append(interval).append(',').append(v).append('\n'));
        Files.writeString(Paths.get(o.get("csv")), csv, StandardOpenOption.APPEND, StandardOpenOption.CREATE);

        System.out.printf("%-40s %9s %9s %9s %9s %6s   target%n", "continuous mode (interval " + interval + " s)", "p50", "p90", "p99",
                "max", "n");
        row("edit -> pushed snapshot", remote, String.format("p99 <= %d s (interval + 5 s): %s", interval + 5,
                pct(remote, 99) <= (interval + 5) * 1000.0 ? "met" : "NOT met"));
        row("local latency, replication off", local.get(false), "");
        row("local latency, replication on", local.get(true), String.format("p99 on/off = %.3f (<= 1.10: %s)",
                pct(local.get(true), 99) / pct(local.get(false), 99),
                pct(local.get(true), 99) <= 1.10 * pct(local.get(false), 99) ? "met" : "NOT met"));
        row("  (local latency during (1))", localWhileRemote, "");
    }

    private static void row(String what, List<Double> v, String target) {
        System.out.printf("%-40s %7.0fms %7.0fms %7.0fms %7.0fms %6d   %s%n", what, pct(v, 50), pct(v, 90), pct(v, 99), pct(v, 100),
                v.size(), target);
    }

    /** Nearest-rank percentile. */
    private static double pct(List<Double> values, int p) {
        List<Double> s = new ArrayList<>(values);
        s.sort(null);
        if (s.isEmpty()) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * s.size());
        return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
    }

    private Path config(String name, boolean replicate) throws IOException {
        String repo = replicate ? ", \"repository\": {\"url\": \"" + o.get("url") + "\", \"key_file\": \"" + work.resolve("cont.key")
                + "\", \"replicate_interval_seconds\": " + o.get("interval") + "}" : "";
        Path c = work.resolve(name);
        Files.writeString(c, "{\"sources\": [{\"name\": \"A\", \"path\": \"" + Paths.get(o.get("data")).toAbsolutePath() + "\"}, "
                + "{\"name\": \"edits\", \"path\": \"" + edits + "\"}], \"backup_root\": \"" + backup + "\", \"log_dir\": \""
                + log.getParent() + "\"" + repo + "}\n");
        return c;
    }

    private ProcessBuilder builder(String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of(o.get("launcher")));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(work.resolve("cont-" + name + ".out").toFile())
                .redirectError(work.resolve("cont-" + name + ".err").toFile());
        pb.environment().put("XDG_CACHE_HOME", work.resolve("cont-xdg-cache").toString());
        return pb;
    }

    /** A command to its end; a failure stops the benchmark. */
    private void kw(String name, String... args) throws Exception {
        Process p = builder(name, args).start();
        if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
            throw new IllegalStateException("keepwatch " + String.join(" ", args) + " failed: "
                    + Files.readString(work.resolve("cont-" + name + ".err")));
        }
    }

    /** Starts the service and waits until it is Ready (and, replicating, in sync: the first push is not measured). */
    private Process start(Path config, boolean replicate) throws Exception {
        long from = Files.exists(log) ? Files.size(log) : 0;
        Process p = builder("run", "run", "-c", config.toString()).start();
        long end = System.nanoTime() + TimeUnit.HOURS.toNanos(2);
        while (!logSince(from).contains("Ready") || replicate && !"in sync".equals(field(backup.resolve(".keepwatch/replication.json"), "state"))) {
            if (!p.isAlive() || System.nanoTime() > end) {
                throw new IllegalStateException("the service did not get ready: " + Files.readString(work.resolve("cont-run.err")));
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
        return p;
    }

    private String logSince(long from) throws IOException {
        byte[] all = Files.exists(log) ? Files.readAllBytes(log) : new byte[0];
        return from >= all.length ? "" : new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
        }
    }

    /** Milliseconds from {@code t0} until the backup's copy of {@code rel} holds {@code content}. */
    private double waitLocal(String rel, String content, long t0) throws Exception {
        Path copy = backup.resolve("edits").resolve(rel);
        byte[] want = content.getBytes(StandardCharsets.UTF_8);
        long end = t0 + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < end) {
            try {
                if (java.util.Arrays.equals(want, Files.readAllBytes(copy))) {
                    return (System.nanoTime() - t0) / 1e6;
                }
            } catch (IOException e) {
                // being replaced
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        throw new IllegalStateException(rel + " was not backed up within 10 minutes");
    }

    /**
     * Milliseconds from {@code t0} until the first push after {@code seen} whose snapshot holds {@code content} as
     * {@code rel} (checked by restoring it).
     */
    private double waitRemote(Observer observer, int seen, String rel, String content, long t0, Duration limit) throws Exception {
        long end = t0 + limit.toNanos();
        int next = seen;
        while (System.nanoTime() < end) {
            if (observer.pushes.size() > next) {
                Push push = observer.pushes.get(next++);
                if (push.at() > t0 && holds(push.snapshot(), rel, content)) {
                    return (push.at() - t0) / 1e6;
                }
                continue;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        throw new IllegalStateException(rel + " was in no pushed snapshot within " + limit.toSeconds() + " s");
    }

    private int restores;

    private boolean holds(String snapshot, String rel, String content) throws Exception {
        Path to = work.resolve("cont-verify-" + restores++);
        kw("verify", "restore", "-c", work.resolve("cont-on.json").toString(), "--repo", "--snapshot", snapshot, "--source", "edits",
                "--path", rel, "--to", to.toString(), "--cache-dir", work.resolve("cont-verify-cache").toString());
        try (var s = Files.walk(to)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p) && p.getFileName().toString().equals(rel)) {
                    return Files.readString(p).equals(content);
                }
            }
        }
        throw new IllegalStateException("the restore of " + rel + " from snapshot " + snapshot + " wrote no " + rel + " in " + to);
    }

    private static String field(Path json, String name) {
        return fields(json).getOrDefault(name, "");
    }

    /** The replicator's state, last snapshot and last push time, from one read of its file. */
    private static Map<String, String> fields(Path json) {
        Map<String, String> f = new HashMap<>();
        try {
            Matcher m = FIELD.matcher(Files.readString(json));
            while (m.find()) {
                f.put(m.group(1), m.group(2));
            }
        } catch (IOException e) {
            // not there yet, or being replaced
        }
        return f;
    }

    record Push(String snapshot, long at) {
    }

    /** Records each push the replicator reports (a new last_push_at) with the moment it was seen. */
    static final class Observer extends Thread {
        final List<Push> pushes = new CopyOnWriteArrayList<>();
        private final Path file;

        Observer(Path file) {
            this.file = file;
            setDaemon(true);
        }

        @Override
        public void run() {
            String last = field(file, "last_push_at");
            while (!isInterrupted()) {
                Map<String, String> f = fields(file);
                String at = f.getOrDefault("last_push_at", "");
                if (!at.isEmpty() && !at.equals(last)) {
                    last = at;
                    pushes.add(new Push(f.getOrDefault("last_snapshot", ""), System.nanoTime()));
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}
