import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the service costs per change (issue 14): bytes written by `keepwatch run` per small edit, and its
 * resident memory at rest and at the peak of a burst of edits. Run by bench/edits.sh; JDK only.
 *
 * <pre>
 *   java bench/EditsBench.java jar=JAR config=CONFIG src=SOURCE copy=BACKUP_COPY_OF_SOURCE \
 *        rate=2 seconds=60 burst=1000 idle=20 [seed=42] [flags="-Xmx..."]
 * </pre>
 *
 * Steady edits: `rate` edits a second for `seconds`, each rewriting one randomly chosen existing file of the
 * source with new content of the same size; the bytes the keepwatch process wrote (write_bytes of
 * /proc/PID/io: state, journal, logs, copies, versions) are read before the first edit and after the last one is
 * backed up and a state flush interval has passed, and divided by the number of edits. The reference beside it:
 * the bytes the edits themselves wrote (their sizes), and twice that, which is what a backup that keeps the new
 * copy and the old version has to write at least.
 *
 * Memory: VmRSS after `idle` seconds without changes ("at rest"), then the largest VmRSS sampled every 50 ms while
 * `burst` edits are made as fast as one thread writes them and until the last is backed up and 10 s have passed.
 */
public class EditsBench {
    public static void main(String[] args) throws Exception {
        java.util.Map<String, String> a = new java.util.HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Path jar = Path.of(a.get("jar"));
        Path config = Path.of(a.get("config"));
        Path src = Path.of(a.get("src"));
        Path copy = Path.of(a.get("copy"));
        double rate = Double.parseDouble(a.getOrDefault("rate", "2"));
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "60"));
        int burst = Integer.parseInt(a.getOrDefault("burst", "1000"));
        int idle = Integer.parseInt(a.getOrDefault("idle", "20"));
        long flushMs = Long.parseLong(a.getOrDefault("flushMs", "2000"));
        SplittableRandom rnd = new SplittableRandom(Long.parseLong(a.getOrDefault("seed", "42")));
        String flags = a.getOrDefault("flags", "");

        List<Path> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = new ArrayList<>(s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).toList());
        }
        Collections.sort(files);
        System.out.printf("source %s: %,d files%n", src, files.size());

        List<String> cmd = new ArrayList<>(List.of("java", "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8",
                "-XX:+ExitOnOutOfMemoryError", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30",
                "-XX:G1PeriodicGCInterval=10000"));
        for (String f : flags.split(" ")) {
            if (!f.isBlank()) {
                cmd.add(f);
            }
        }
        cmd.addAll(List.of("-jar", jar.toString(), "run", "-c", config.toString()));
        Path log = Files.createTempFile("edits-bench", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (!Files.readString(log).contains(" Ready")) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("keepwatch did not get Ready; its output: " + log);
                }
                Thread.sleep(100);
            }
            Thread.sleep(5_000); // the start-up pass's own save and the collection after it
            long pid = p.pid();

            // Steady edits.
            int n = (int) Math.round(rate * seconds);
            long periodNs = (long) (1e9 / rate);
            long w0 = writeBytes(pid);
            long edited = 0;
            long t0 = System.nanoTime();
            Path last = null;
            byte[] lastContent = null;
            for (int i = 0; i < n; i++) {
                long due = t0 + i * periodNs;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                last = files.get(rnd.nextInt(files.size()));
                lastContent = edit(last, rnd);
                edited += lastContent.length;
            }
            waitBackedUp(src, copy, last, lastContent);
            Thread.sleep(flushMs + 3_000);
            long w1 = writeBytes(pid);
            double perEdit = (w1 - w0) / (double) n;
            System.out.printf("steady edits: %d edits at %.1f/s; keepwatch wrote %,d bytes = %,.0f bytes (%.1f KiB) per edit;"
                    + " the edits themselves %,.0f bytes each (new copy + old version: %,.0f)%n",
                    n, rate, w1 - w0, perEdit, perEdit / 1024, edited / (double) n, 2.0 * edited / n);
            System.out.printf("RESULT bytes_per_edit=%.0f edit_bytes=%.0f ratio_to_2x_edit=%.2f%n",
                    perEdit, edited / (double) n, perEdit / (2.0 * edited / n));

            // Memory at rest.
            Thread.sleep(idle * 1000L);
            long rest = rssKb(pid);
            System.out.printf("RESULT rss_rest_mb=%.0f (after %d s without changes)%n", rest / 1024.0, idle);

            // Burst.
            long[] peak = {rest};
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        peak[0] = Math.max(peak[0], rssKb(pid));
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            sampler.start();
            for (int i = 0; i < burst; i++) {
                last = files.get(rnd.nextInt(files.size()));
                lastContent = edit(last, rnd);
            }
            waitBackedUp(src, copy, last, lastContent);
            Thread.sleep(10_000);
            sampler.interrupt();
            sampler.join();
            System.out.printf("RESULT rss_burst_peak_mb=%.0f (%d edits as fast as one thread writes them)%n",
                    peak[0] / 1024.0, burst);
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }

    static byte[] edit(Path file, SplittableRandom rnd) throws IOException {
        long size = Files.size(file);
        byte[] b = new byte[(int) Math.max(16, size)];
        rnd.nextBytes(b);
        Files.write(file, b);
        return b;
    }

    static void waitBackedUp(Path src, Path copy, Path file, byte[] content) throws Exception {
        Path c = copy.resolve(src.relativize(file).toString());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            try {
                if (java.util.Arrays.equals(Files.readAllBytes(c), content)) {
                    return;
                }
            } catch (IOException e) {
                // not there yet
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the last edit was not backed up within 120 s: " + c);
    }

    static long writeBytes(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
            if (l.startsWith("write_bytes:")) {
                return Long.parseLong(l.substring(12).trim());
            }
        }
        throw new IOException("no write_bytes in /proc/" + pid + "/io");
    }

    static long rssKb(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }
}
