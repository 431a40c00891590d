import io.keepwatch.fs.RealFs;
import io.keepwatch.fs.Sleeper;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Load benchmark for state.json (StateStore.load), one JVM per invocation:
 *
 * <pre>
 *   java -cp target/keepwatch.jar bench/StateLoadBench.java gen  DIR       # writes DIR/state.json (synthetic)
 *   java -cp target/keepwatch.jar bench/StateLoadBench.java cold DIR       # one load in a fresh JVM (what `once` pays)
 *   java -cp target/keepwatch.jar bench/StateLoadBench.java warm DIR       # 2 warm-ups, then the median of 5 loads
 *   java -cp target/keepwatch.jar bench/StateLoadBench.java save DIR       # load once, then median of 5 saves to DIR/save/
 * </pre>
 *
 * The synthetic file: 200,000 live files in 20,000 folders ({@code dNNNNN/dNNNNN/fNNNNNNN.bin}), random sha256
 * hashes (2% duplicates of another file's content, with duplicate_of), unique inodes on one device, a handful of
 * perms, 90% of the files sharing the `since` of the first pass, and 5,000 histories with versions and deletions.
 * Deterministic (seed 42). Every mode prints the heap used after load (after System.gc()) and the GC count.
 */
public class StateLoadBench {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]);
        switch (mode) {
            case "gen" -> gen(dir.resolve("state.json"), args.length > 2 ? Integer.parseInt(args[2]) : 200_000);
            case "cold" -> report(dir, 0, 1);
            case "warm" -> report(dir, 2, 5);
            case "save" -> save(dir);
            default -> throw new IllegalArgumentException(mode);
        }
    }

    static StateStore store(Path dir) {
        return new StateStore(new BackupLayout(dir), new RealFs(false, Sleeper.REAL), Clock.systemUTC());
    }

    static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionCount());
        }
        return n;
    }

    static long gcMillis() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, b.getCollectionTime());
        }
        return n;
    }

    /** CPU time of the whole process (all threads, GC included): less disturbed by a busy machine than wall time. */
    static long cpuMillis() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1_000_000;
    }

    static long heapUsed() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    static void report(Path dir, int warmups, int runs) throws Exception {
        long base = heapUsed();
        long gc0 = gcCount();
        long gcMs0 = gcMillis();
        StateStore store = store(dir);
        for (int i = 0; i < warmups; i++) {
            store.load().orElseThrow();
        }
        double[] ms = new double[runs];
        double[] cpu = new double[runs];
        BackupState state = null;
        for (int i = 0; i < runs; i++) {
            state = null;
            long c0 = cpuMillis();
            long t0 = System.nanoTime();
            state = store.load().orElseThrow();
            ms[i] = (System.nanoTime() - t0) / 1e6;
            cpu[i] = cpuMillis() - c0;
        }
        double[] cpuSorted = cpu.clone();
        Arrays.sort(cpuSorted);
        long gcs = gcCount() - gc0;
        long gcMs = gcMillis() - gcMs0;
        long heap = heapUsed() - base;
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf("%s: live=%d wall(ms)=%s median=%.0f ms; process CPU median=%.0f ms; GCs during loads=%d (%d ms);"
                        + " heap after load=%.1f MB; load average %.2f%n",
                runs == 1 ? "cold" : "warm", state.totalLive(), Arrays.toString(Arrays.stream(ms).map(Math::rint).toArray()),
                sorted[runs / 2], cpuSorted[runs / 2], gcs, gcMs, heap / 1e6,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    static void save(Path dir) throws Exception {
        BackupState state = store(dir).load().orElseThrow();
        Path out = dir.resolve("save");
        Files.createDirectories(out);
        StateStore target = store(out);
        double[] ms = new double[7];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            target.save(state);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double[] timed = Arrays.copyOfRange(ms, 2, ms.length);
        Arrays.sort(timed);
        System.out.printf("save: first=%.0f ms, median of 5 after 2 warm-ups=%.0f ms, %d bytes%n",
                ms[0], timed[2], Files.size(out.resolve("state.json")));
    }

    // ---- generator ----

    static final String[] PERMS = {"rw-r--r--", "rw-r--r--", "rw-r--r--", "rw-r-----", "rw-------", "rwxr-xr-x"};

    static void gen(Path file, int files) throws IOException {
        Files.createDirectories(file.getParent());
        Random rnd = new Random(42);
        Instant firstPass = Instant.parse("2026-11-01T03:00:00.123456789Z");
        List<String> hashes = new ArrayList<>();
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("{\"format\":1,\"hash_algorithm\":\"sha256\",\"saved_at\":\"2026-11-22T00:52:42.916096963Z\",\"sources\":{\"docs\":{\"device\":\"65024\",\"files\":{");
            int perFolder = Math.max(1, files / 20_000);
            int n = 0;
            long ino = 2_000_000;
            outer:
            for (int a = 0; ; a++) {
                for (int b = 0; b < 100; b++) {
                    for (int f = 0; f < perFolder; f++) {
                        if (n == files) {
                            break outer;
                        }
                        String rel = String.format("d%05d/d%05d/f%07d.bin", a, a * 100 + b, n);
                        String hash;
                        String dup = null;
                        if (!hashes.isEmpty() && rnd.nextInt(50) == 0) {
                            int i = rnd.nextInt(hashes.size());
                            hash = hashes.get(i);
                            dup = "docs/" + String.format("d%05d/d%05d/f%07d.bin", i / (100 * perFolder), i / perFolder, i);
                        } else {
                            hash = randomHash(rnd);
                        }
                        hashes.add(hash);
                        Instant since = rnd.nextInt(10) == 0 ? firstPass.plusSeconds(86400 + rnd.nextInt(1_000_000)).plusNanos(rnd.nextInt(1_000_000_000)) : firstPass;
                        w.write(n == 0 ? "" : ",");
                        w.write("\"" + rel + "\":{\"hash\":\"" + hash + "\",\"size\":" + rnd.nextInt(1 << 20)
                                + ",\"mtime\":" + (1_600_000_000_000_000_000L + rnd.nextLong(100_000_000_000_000_000L))
                                + ",\"inode\":\"(dev=fe00,ino=" + (ino++) + ")\",\"perms\":\"" + PERMS[rnd.nextInt(PERMS.length)]
                                + "\",\"since\":\"" + since + "\"" + (dup == null ? "" : ",\"duplicate_of\":\"" + dup + "\"") + "}");
                        n++;
                    }
                }
            }
            w.write("},\"history\":{");
            // 5,000 histories, sorted by key (every 40th file): versions, and some deletions
            for (int i = 0; i < 5_000; i++) {
                int fi = i * (files / 5_000);
                String rel = String.format("d%05d/d%05d/f%07d.bin", fi / (100 * perFolder), fi / perFolder, fi);
                int nv = 1 + rnd.nextInt(3);
                StringBuilder sb = new StringBuilder();
                sb.append(i == 0 ? "" : ",").append('"').append(rel).append("\":{\"last_version\":").append(nv).append(",\"versions\":[");
                for (int v = 1; v <= nv; v++) {
                    sb.append(v == 1 ? "" : ",").append("{\"n\":").append(v).append(",\"hash\":\"").append(randomHash(rnd))
                            .append("\",\"size\":").append(rnd.nextInt(1 << 20)).append(",\"mtime\":1600000007000000000,\"perms\":\"rw-r--r--\",\"since\":\"")
                            .append(firstPass.plusSeconds(v * 1000L)).append("\",\"archived_at\":\"").append(firstPass.plusSeconds(v * 1000L + 500).plusNanos(rnd.nextInt(1_000_000_000))).append("\"}");
                }
                sb.append("],\"deletions\":[");
                if (i % 5 == 0) {
                    sb.append("{\"stored\":\"").append(rel).append("\",\"hash\":\"").append(randomHash(rnd))
                            .append("\",\"size\":12,\"mtime\":1600000007000000000,\"perms\":\"rw-r--r--\",\"since\":\"")
                            .append(firstPass).append("\",\"deleted_at\":\"").append(firstPass.plusSeconds(7777)).append("\"}");
                }
                sb.append("]}");
                w.write(sb.toString());
            }
            w.write("}}}}");
        }
        System.out.println("wrote " + file + " (" + Files.size(file) + " bytes)");
    }

    static String randomHash(Random rnd) {
        StringBuilder sb = new StringBuilder("sha256:");
        for (int i = 0; i < 4; i++) {
            sb.append(String.format("%016x", rnd.nextLong()));
        }
        return sb.toString();
    }
}
