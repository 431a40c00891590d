import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The helper of bench/watch.sh (issue 3's benchmark of {@code keepwatch run}). Needs only a JDK 17:
 *
 * <pre>
 * java bench/WatchBench.java gen DIR FILES TOP SUB SEED      # FILES files of 0..4 KB in TOP x SUB folders
 * java bench/WatchBench.java measure key=value...            # see bench/watch.sh
 * </pre>
 *
 * measure: (1) N start-ups of keepwatch run on the big tree until "Ready" (a valid state.json is there),
 * each followed by `inotifywait -r -m` until "Watches established." and a `find` of the same tree;
 * (2) a start of keepwatch on the big tree, VmRSS/VmHWM after Ready, utime+stime over IDLE seconds of no
 * changes; (3) EDITS single-file edits, one after another, on the big tree and (at the same time, on a thread
 * of its own) on the small tree: each writes new unique content to a random file and polls the backup root's
 * current copy every POLL_MS until it holds that content; (4) VmRSS/VmHWM after the edits.
 */
public final class WatchBench {
    private static final Map<String, String> opt = new LinkedHashMap<>();
    private static PrintWriter out;

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("gen")) {
            gen(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Long.parseLong(args[5]));
            return;
        }
        if (args.length == 0 || !args[0].equals("measure")) {
            System.err.println("usage: WatchBench gen DIR FILES TOP SUB SEED | measure key=value...");
            System.exit(64);
        }
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            opt.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        out = new PrintWriter(System.out, true);
        measure();
    }

    // ---------------------------------------------------------------- data

    /** FILES files of 0..4096 bytes (uniform) in TOP x SUB folders, all from SplittableRandom(seed). */
    static void gen(Path dir, int files, int top, int sub, long seed) throws IOException {
        if (Files.exists(dir.resolve(".complete"))) {
            return;
        }
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-gen");
        if (Files.exists(tmp)) {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(Collections.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        FileTime mtime = FileTime.fromMillis(1_600_000_000_000L + Math.floorMod(seed, 1_000_000L) * 1000L);
        int folders = top * sub;
        for (int i = 0; i < files; i++) {
            int f = i % folders;
            Path folder = tmp.resolve(String.format("t%03d/s%03d", f / sub, f % sub));
            Files.createDirectories(folder);
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + i);
            byte[] b = new byte[r.nextInt(4097)];
            r.nextBytes(b);
            Path p = folder.resolve(String.format("f%06d.bin", i));
            Files.write(p, b);
            Files.setLastModifiedTime(p, mtime);
        }
        Files.writeString(tmp.resolve(".complete"), "files=" + files + " folders=" + folders + " seed=" + seed + "\n");
        Files.move(tmp, dir);
    }

    // ---------------------------------------------------------------- measure

    static String o(String k) {
        String v = opt.get(k);
        if (v == null) {
            throw new IllegalArgumentException("missing " + k + "=");
        }
        return v;
    }

    static void measure() throws Exception {
        int n = Integer.parseInt(o("n"));
        int edits = Integer.parseInt(o("edits"));
        int idle = Integer.parseInt(o("idle"));
        int hz = Integer.parseInt(o("hz"));
        long debounce = Long.parseLong(o("debounce"));
        Path bigSrc = Path.of(o("bigSrc"));
        Path smallSrc = Path.of(o("smallSrc"));
        Path work = Path.of(o("work"));
        List<String> flags = splitFlags(opt.getOrDefault("flags", ""));
        List<String> altFlags = splitFlags(opt.getOrDefault("altFlags", ""));

        // (1) start-up, interleaved with inotifywait -r and find on the same tree
        out.printf("%n== 1. start-up on %s (%s), %d repetitions; each: keepwatch run until Ready%s, inotifywait -r -m until"
                + " 'Watches established.', find%n", bigSrc, o("bigDesc"), n, altFlags.isEmpty() ? "" : " (default flags, then " + altFlags + ")");
        List<Double> kwCpu = new ArrayList<>(), kwAltCpu = new ArrayList<>();
        List<Double> kw = new ArrayList<>(), kwAlt = new ArrayList<>(), iw = new ArrayList<>(), fd = new ArrayList<>();
        List<Double> ratioIw = new ArrayList<>(), ratioFind = new ArrayList<>();
        for (int r = 1; r <= n; r++) {
            Kw k = Kw.start(o("bigConfig"), flags, work.resolve("startup-" + r + ".log"));
            k.awaitReady(600);
            double tk = k.readySeconds();
            double ck = k.cpuAtReady / (double) hz;
            String mk = mem(k.pid);
            String summary = k.reconcileLine;
            k.stop();
            kwCpu.add(ck);
            double ta = Double.NaN;
            String altInfo = "";
            if (!altFlags.isEmpty()) {
                Kw a = Kw.start(o("bigConfig"), altFlags, work.resolve("startup-alt-" + r + ".log"));
                a.awaitReady(600);
                ta = a.readySeconds();
                double ca = a.cpuAtReady / (double) hz;
                altInfo = String.format(" | alt flags: %.2f s, %.1f CPU-s, %s", ta, ca, mem(a.pid));
                a.stop();
                kwAlt.add(ta);
                kwAltCpu.add(ca);
            }
            double ti = inotifywait(bigSrc);
            double tf = find(bigSrc);
            kw.add(tk);
            iw.add(ti);
            fd.add(tf);
            ratioIw.add(tk / ti);
            ratioFind.add(tk / tf);
            out.printf("  rep %d: keepwatch %.2f s (%.1f CPU-s at Ready, %s) | inotifywait -r %.2f s | find %.2f s%s%n"
                    + "         [%s]%n", r, tk, ck, mk, ti, tf, altInfo, summary);
        }
        out.printf("  median: keepwatch run until Ready %.2f s (%.1f CPU-s) | inotifywait -r %.2f s | find %.2f s%n",
                median(kw), median(kwCpu), median(iw), median(fd));
        if (!altFlags.isEmpty()) {
            out.printf("  median with %s: %.2f s (%.1f CPU-s)%n", altFlags, median(kwAlt), median(kwAltCpu));
        }
        out.printf("  ratio (median of per-rep ratios): keepwatch / inotifywait = %.2f, keepwatch / find = %.2f%n",
                median(ratioIw), median(ratioFind));

        // (2) memory after Ready, idle CPU
        out.printf("%n== 2. keepwatch run on %s: memory after Ready, CPU while idle %d s%n", bigSrc, idle);
        Kw big = Kw.start(o("bigConfig"), flags, work.resolve("long-big.log"));
        big.awaitReady(600);
        out.printf("  start-up until Ready %.2f s (%.1f CPU-s); after Ready: %s%n", big.readySeconds(),
                big.cpuAtReady / (double) hz, mem(big.pid));
        Thread.sleep(5000);
        long[] c0 = cpu(big.pid);
        long w0 = System.nanoTime();
        Thread.sleep(idle * 1000L);
        long[] c1 = cpu(big.pid);
        double wall = (System.nanoTime() - w0) / 1e9;
        double cpuS = ((c1[0] - c0[0]) + (c1[1] - c0[1])) / (double) hz;
        out.printf("  idle %.1f s (from Ready + 5 s): utime %+d, stime %+d ticks (%d/s) = %.2f CPU-s = %.2f%% of one core%n",
                wall, c1[0] - c0[0], c1[1] - c0[1], hz, cpuS, 100 * cpuS / wall);
        out.printf("  after idle: %s%n", mem(big.pid));

        // (3) latency, big and small tree at the same time (each sequential)
        out.printf("%n== 3. event-to-backup latency, %d single-file edits per tree, one after another (the two trees at"
                + " the same time, each on its own thread), debounce %d ms, backup polled every %s ms%n", edits,
                debounce, o("pollMs"));
        Kw small = Kw.start(o("smallConfig"), flags, work.resolve("long-small.log"));
        small.awaitReady(600);
        CompletableFuture<double[]> fb = CompletableFuture.supplyAsync(() -> edits(bigSrc, Path.of(o("bigCopy")), edits, 1));
        CompletableFuture<double[]> fs = CompletableFuture.supplyAsync(() -> edits(smallSrc, Path.of(o("smallCopy")), edits, 2));
        double[] lb = fb.get();
        double[] ls = fs.get();
        out.printf("  %-28s %8s %8s %8s %8s %8s %12s%n", "tree", "edits", "p50 ms", "p90 ms", "p99 ms", "max ms",
                "p99-debounce");
        row(o("bigDesc"), lb, debounce);
        row(o("smallDesc"), ls, debounce);
        out.printf("  ratio p99(big)/p99(small) = %.3f, p50(big)/p50(small) = %.3f%n", pct(lb, 99) / pct(ls, 99),
                pct(lb, 50) / pct(ls, 50));
        out.printf("  memory after the edits: big %s | small %s%n", mem(big.pid), mem(small.pid));
        histogram(big.pid, work.resolve("histogram-big.txt"));
        big.stop();
        small.stop();
        out.printf("  exit codes after SIGTERM: big %d, small %d%n", big.exit, small.exit);
    }

    /** jcmd GC.class_histogram (a full GC first): the live heap with the big tree tracked, its biggest classes. */
    static void histogram(long pid, Path file) throws Exception {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram").redirectOutput(file.toFile())
                .redirectErrorStream(true).start();
        p.waitFor(120, TimeUnit.SECONDS);
        List<String> lines = Files.readAllLines(file);
        String total = lines.stream().filter(l -> l.startsWith("Total")).findFirst().orElse("Total ?");
        String[] t = total.trim().split("\\s+");
        out.printf("  live heap of the big-tree process after a full GC (jcmd GC.class_histogram): %s objects, %s MB; top classes:%n",
                t.length > 1 ? t[1] : "?", t.length > 2 ? String.format("%.0f", Long.parseLong(t[2]) / 1048576.0) : "?");
        lines.stream().filter(l -> l.matches("\\s*\\d+:\\s+\\d+.*")).limit(8).forEach(l -> out.println("   " + l));
        out.printf("  memory after the full GC: %s%n", mem(pid));
    }

    static void row(String name, double[] l, long debounce) {
        out.printf("  %-28s %8d %8.1f %8.1f %8.1f %8.1f %+12.1f%n", name, l.length, pct(l, 50), pct(l, 90), pct(l, 99),
                pct(l, 100), pct(l, 99) - debounce);
    }

    static List<String> splitFlags(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(x -> !x.isEmpty()).toList();
    }

    /** Sequential edits: write unique content to a random file, poll its current copy until it matches. */
    static double[] edits(Path src, Path copyRoot, int count, long seedSalt) {
        try {
            List<Path> files;
            try (Stream<Path> s = Files.walk(src)) {
                files = s.filter(p -> p.getFileName().toString().startsWith("f")).filter(Files::isRegularFile).sorted().collect(Collectors.toList());
            }
            SplittableRandom rnd = new SplittableRandom(4242L * seedSalt);
            long pollNanos = (long) (Double.parseDouble(o("pollMs")) * 1e6);
            double[] lat = new double[count];
            for (int i = 0; i < count; i++) {
                Path f = files.get(rnd.nextInt(files.size()));
                Path copy = copyRoot.resolve(src.relativize(f).toString());
                byte[] body = new byte[64 + rnd.nextInt(4033)];
                rnd.nextBytes(body);
                byte[] head = String.format("watch-bench edit %d of %s at %d%n", i, src.getFileName(), System.nanoTime())
                        .getBytes(StandardCharsets.UTF_8);
                System.arraycopy(head, 0, body, 0, Math.min(head.length, body.length));
                long t0 = System.nanoTime();
                Files.write(f, body, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
                while (true) {
                    if (matches(copy, body)) {
                        lat[i] = (System.nanoTime() - t0) / 1e6;
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no backup of " + f + " within 60 s (edit " + i + ")");
                    }
                    TimeUnit.NANOSECONDS.sleep(pollNanos);
                }
            }
            return lat;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    static boolean matches(Path copy, byte[] body) {
        try {
            if (Files.size(copy) != body.length) {
                return false;
            }
            return Arrays.equals(Files.readAllBytes(copy), body);
        } catch (IOException e) {
            return false; // being replaced
        }
    }

    static double inotifywait(Path tree) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("inotifywait", "-r", "-m", tree.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.contains("Watches established")) {
                    double t = (System.nanoTime() - t0) / 1e9;
                    p.destroy();
                    p.waitFor(30, TimeUnit.SECONDS);
                    return t;
                }
            }
        }
        throw new IllegalStateException("inotifywait ended without 'Watches established.' (exit " + p.waitFor() + ")");
    }

    static double find(Path tree) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("find", tree.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("find failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** utime, stime in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    static long[] cpu(long pid) throws IOException {
        String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    static String mem(long pid) throws IOException {
        String rss = "?", hwm = "?";
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                rss = mb(l);
            } else if (l.startsWith("VmHWM:")) {
                hwm = mb(l);
            }
        }
        return "VmRSS " + rss + " MB, VmHWM " + hwm + " MB";
    }

    static String mb(String line) {
        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
        return String.format(Locale.ROOT, "%.0f", kb / 1024.0);
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int m = a.length / 2;
        return a.length % 2 == 1 ? a[m] : (a[m - 1] + a[m]) / 2;
    }

    /** Nearest-rank percentile. */
    static double pct(double[] v, double p) {
        double[] a = v.clone();
        Arrays.sort(a);
        int rank = (int) Math.ceil(p / 100.0 * a.length);
        return a[Math.max(0, Math.min(a.length - 1, rank - 1))];
    }

    /** A keepwatch run process; its stderr goes to a file and is watched for "Ready". */
    static final class Kw {
        final Process p;
        final long pid;
        final long t0;
        final CompletableFuture<Long> ready = new CompletableFuture<>();
        volatile String reconcileLine = "?";
        volatile long cpuAtReady = -1;
        int exit = -1;

        private Kw(Process p, long t0) {
            this.p = p;
            this.pid = p.pid();
            this.t0 = t0;
        }

        static Kw start(String config, List<String> flags, Path log) throws IOException {
            List<String> cmd = new ArrayList<>(List.of("java", "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8"));
            cmd.addAll(flags);
            cmd.addAll(List.of("-jar", o("jar"), "run", "-c", config));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            // A benchmark that fails half-way must not leave a service running on its folders (it would go on
            // writing into a backup root that the next run recreates).
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
            Kw k = new Kw(p, t0);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
                        PrintWriter w = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        long now = System.nanoTime();
                        if (line.contains("tart-up reconciliation")) {
                            k.reconcileLine = line.replaceAll("^\\S+\\s+", "");
                        }
                        if (!k.ready.isDone() && line.endsWith("Ready")) {
                            long[] c = cpu(k.pid);
                            k.cpuAtReady = c[0] + c[1];
                            k.ready.complete(now);
                        }
                        w.printf("+%.3f %s%n", (now - t0) / 1e9, line);
                    }
                } catch (IOException e) {
                    k.ready.completeExceptionally(e);
                }
                k.ready.completeExceptionally(new IllegalStateException("keepwatch ended before Ready, see " + log));
            }, "stderr-" + log.getFileName());
            t.setDaemon(true);
            t.start();
            return k;
        }

        void awaitReady(int seconds) throws Exception {
            ready.get(seconds, TimeUnit.SECONDS);
        }

        double readySeconds() throws Exception {
            return (ready.get() - t0) / 1e9;
        }

        void stop() throws Exception {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
            exit = p.exitValue();
        }
    }
}
