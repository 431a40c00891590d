import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;

/**
 * Deterministic benchmark data for keepwatch (issue 2). Needs nothing but a JDK 17:
 *
 * <pre>java bench/GenData.java OUT_DIR A|B|C [SEED]</pre>
 *
 * <ul>
 *   <li>A: 20,000 files of 0..200 KB in 2,000 folders (20 x 100), sizes skewed to the small end (200 KB x u^4,
 *       mean 40 KB, about 0.8 GB) plus 8 files of 128 MiB in big/ (1 GiB): about 1.8 GiB in all;
 *   <li>B: 200,000 files of 0..4 KB (uniform) in 20,000 folders (100 x 200), about 0.4 GB;
 *   <li>C: 1,000,000 files of 0..1 KB (uniform) in 100,000 folders (100 x 1,000, 10 files each), about 0.5 GB of
 *       content (some 4 GB on disk with 4 KiB blocks): the scale test of issue 14.
 * </ul>
 *
 * Every file's size and content come from a SplittableRandom seeded by (seed, set, file index), so the same
 * seed gives byte-identical trees whatever the thread scheduling. Content is PRNG output (incompressible,
 * no two files alike), except that every 997th small file repeats the previous file's content exactly
 * (a few real duplicates). All mtimes are set to a fixed instant derived from the seed. The tree is written
 * to OUT_DIR/.tmp-gen and renamed to OUT_DIR/&lt;set&gt; when complete, so a half-written set is never used.
 */
public final class GenData {
    private static final int KB = 1024;
    private static final int MIB = 1024 * 1024;

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !(args[1].equals("A") || args[1].equals("B") || args[1].equals("C"))) {
            System.err.println("usage: java GenData.java OUT_DIR A|B|C [SEED]");
            System.exit(64);
        }
        Path out = Path.of(args[0]);
        String set = args[1];
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
        Path done = out.resolve(set);
        if (Files.exists(done.resolve(".complete"))) {
            System.err.println(done + " already complete");
            return;
        }
        Path tmp = out.resolve(".tmp-gen-" + set);
        deleteTree(tmp);
        deleteTree(done);
        Files.createDirectories(tmp);
        long t0 = System.nanoTime();
        long bytes;
        if (set.equals("A")) {
            bytes = smallFiles(tmp, seed, 1, 20_000, 20, 100, 200 * KB, 4);
            bytes += bigFiles(tmp.resolve("big"), seed, 8, 128L * MIB);
        } else if (set.equals("B")) {
            bytes = smallFiles(tmp, seed, 2, 200_000, 100, 200, 4 * KB, 1);
        } else {
            bytes = smallFiles(tmp, seed, 4, 1_000_000, 100, 1_000, KB, 1);
        }
        Files.writeString(tmp.resolve(".complete"), "set=" + set + " seed=" + seed + " bytes=" + bytes + "\n",
                StandardCharsets.UTF_8);
        Files.move(tmp, done);
        System.err.printf("generated %s: %,d bytes in %.1f s%n", done, bytes, (System.nanoTime() - t0) / 1e9);
    }

    /** files spread over top x sub folders, sizes in [0, maxSize] as max * u^skew. */
    private static long smallFiles(Path root, long seed, int setId, int files, int top, int sub, int maxSize,
            int skew)
            throws Exception {
        int folders = top * sub;
        for (int t = 0; t < top; t++) {
            for (int s = 0; s < sub; s++) {
                Files.createDirectories(root.resolve(String.format("t%03d/s%03d", t, s)));
            }
        }
        FileTime mtime = FileTime.fromMillis(1_600_000_000_000L + Math.floorMod(seed, 1_000_000L) * 1000L);
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Long>> parts = new ArrayList<>();
        int per = (files + threads - 1) / threads;
        for (int p = 0; p < threads; p++) {
            int from = p * per;
            int to = Math.min(files, from + per);
            parts.add(pool.submit(() -> {
                long sum = 0;
                byte[] buf = new byte[maxSize + 8];
                for (int i = from; i < to; i++) {
                    // every 997th file duplicates file i-1: same size, same content
                    int src = (i % 997 == 996) ? i - 1 : i;
                    SplittableRandom r = new SplittableRandom(mix(seed, setId, src));
                    // skewed like real trees: size = max * u^skew (A: u^4, mean max/5; B: uniform)
                    double u = r.nextDouble();
                    int size = (int) (maxSize * Math.pow(u, skew));
                    fill(r, buf, size);
                    int folder = i % folders;
                    Path f = root.resolve(String.format("t%03d/s%03d/f%06d.dat", folder / sub, folder % sub, i));
                    try (OutputStream o = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                        o.write(buf, 0, size);
                    }
                    Files.setLastModifiedTime(f, mtime);
                    sum += size;
                }
                return sum;
            }));
        }
        long total = 0;
        for (Future<Long> f : parts) {
            total += f.get();
        }
        pool.shutdown();
        return total;
    }

    private static long bigFiles(Path dir, long seed, int n, long size) throws Exception {
        Files.createDirectories(dir);
        FileTime mtime = FileTime.fromMillis(1_600_000_000_000L + Math.floorMod(seed, 1_000_000L) * 1000L);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> parts = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            int idx = k;
            parts.add(pool.submit(() -> {
                SplittableRandom r = new SplittableRandom(mix(seed, 3, idx));
                byte[] buf = new byte[MIB];
                Path f = dir.resolve(String.format("big%02d.bin", idx));
                try (OutputStream o = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    for (long w = 0; w < size; w += MIB) {
                        fill(r, buf, MIB);
                        o.write(buf, 0, MIB);
                    }
                }
                Files.setLastModifiedTime(f, mtime);
                return null;
            }));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        pool.shutdown();
        return n * size;
    }

    private static void fill(SplittableRandom r, byte[] buf, int size) {
        for (int i = 0; i < size; i += 8) {
            long v = r.nextLong();
            for (int b = 0; b < 8 && i + b < size; b++) {
                buf[i + b] = (byte) (v >>> (8 * b));
            }
        }
    }

    private static long mix(long seed, int set, long i) {
        long z = seed * 0x9E3779B97F4A7C15L + set * 0xBF58476D1CE4E5B9L + i * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> {
                try {
                    Files.delete(x);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
    }
}
