package io.keepwatch.torture;

import io.keepwatch.fs.RealFs;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.StateStore;
import io.keepwatch.state.VersionRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The crash torture driver: starts the packaged keepwatch as a separate process on temp folders, drives
 * seeded random churn in the source (create, modify, append, rename files and folders, delete, nested
 * folders, small and large files), kills keepwatch with SIGKILL at random instants, restarts it, and at
 * the end (after one quiet reconciliation pass) checks that nothing was lost or corrupted: every live file's
 * copy, every recorded version and deleted file, {@code keepwatch verify}, and a {@code keepwatch restore}
 * of the latest state compared byte for byte with the source.
 *
 * <p>Run the long version with {@code bench/torture.sh}; {@link TortureIT} runs a short one in the build.
 */
public final class Torture {

    /** What to run. {@code command} is {@code run} (the service) or {@code once} (passes in a loop). */
    public record Options(Path work, Path jar, long seed, int kills, int bigFileMb, String command, long maxChurnMillis) {
    }

    /** The figures printed at the end; {@code lost} and {@code corrupt} must be 0. */
    public record Figures(int kills, int files, long bytes, int versions, int deleted, int lost, int corrupt,
            List<String> problems) {
        @Override
        public String toString() {
            return String.format("kills: %d, files: %d (%.1f MB), versions: %d, deleted: %d, lost: %d, corrupt: %d",
                    kills, files, bytes / 1e6, versions, deleted, lost, corrupt);
        }
    }

    private final Options o;
    private final Random random;
    private final Path src;
    private final Path backup;
    private final Path logs;
    private final Path config;
    private final List<Path> files = new ArrayList<>();
    private final List<Path> dirs = new ArrayList<>();
    private final Map<Path, String> versionHashes = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final HashingCopier hasher = new HashingCopier(RealFs.forFileSystem(FileSystems.getDefault()), HashAlgorithm.SHA256);
    private int counter;
    private int lost;
    private int corrupt;

    public Torture(Options options) throws IOException {
        this.o = options;
        this.random = new Random(options.seed());
        this.src = options.work().resolve("source");
        this.backup = options.work().resolve("backup");
        this.logs = options.work().resolve("logs");
        this.config = options.work().resolve("config.json");
        Files.createDirectories(src);
        dirs.add(src);
        Files.writeString(config, ("{'sources': ['./source'], 'backup_root': './backup', 'log_dir': './logs',"
                + " 'retention': {'max_versions_per_file': 100000},"
                + " 'watch': {'debounce_ms': 200, 'max_delay_ms': 2000, 'state_flush_ms': 500, 'state_rewrite_percent': 100}}").replace('\'', '"'));
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("keepwatch-torture");
        Options o = new Options(work, Path.of(arg(args, "--jar", "target/keepwatch.jar")), Long.parseLong(arg(args, "--seed", "42")),
                Integer.parseInt(arg(args, "--kills", "100")), Integer.parseInt(arg(args, "--big-mb", "50")),
                arg(args, "--command", "run"), Long.parseLong(arg(args, "--churn-ms", "3000")));
        System.out.println("keepwatch torture: " + o);
        System.out.println("work folder (kept for inspection): " + work);
        Figures f = new Torture(o).run();
        System.out.println(f);
        f.problems().stream().limit(50).forEach(p -> System.out.println("  PROBLEM: " + p));
        System.exit(f.lost() == 0 && f.corrupt() == 0 && f.problems().isEmpty() ? 0 : 1);
    }

    private static String arg(String[] args, String name, String def) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return def;
    }

    public Figures run() throws Exception {
        for (int i = 0; i < 20; i++) {
            churn();
        }
        for (int k = 0; k < o.kills(); k++) {
            int readyBefore = readyLines();
            Process p = start(o.command());
            if (o.command().equals("run") && k % 2 == 0) {
                // Every other kill hits a service that has finished its start (watching, first pass done);
                // the rest hit it at any instant, start-up included.
                awaitReady(p, readyBefore);
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextLong(o.maxChurnMillis() + 1));
            do {
                churn();
                if (o.command().equals("once") && !p.isAlive()) {
                    p = start("once");
                }
                // Pacing of the load generator (a person or a build changes a few files per second, not
                // thousands); nothing waits on this for synchronisation.
                TimeUnit.MILLISECONDS.sleep(random.nextInt(40));
            } while (System.nanoTime() < until);
            p.destroyForcibly();
            p.waitFor();
            recordVersions();
        }
        Process last = start("once");
        if (!last.waitFor(10, TimeUnit.MINUTES)) {
            last.destroyForcibly();
            problems.add("the final reconciliation pass did not finish");
        } else if (last.exitValue() != 0) {
            problems.add("the final reconciliation pass exited " + last.exitValue() + "; see " + logs.resolve("keepwatch.log"));
        }
        recordVersions();
        return check();
    }

    private int readyLines() throws IOException {
        Path log = logs.resolve("keepwatch.log");
        if (!Files.exists(log)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(log, StandardCharsets.UTF_8)) {
            return (int) lines.filter(l -> l.endsWith(" Ready")).count();
        }
    }

    /** Waits (churning meanwhile) until the service logs one more "Ready" line, dies, or 2 minutes pass. */
    private void awaitReady(Process p, int readyBefore) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (p.isAlive() && readyLines() <= readyBefore && System.nanoTime() < deadline) {
            churn();
            TimeUnit.MILLISECONDS.sleep(random.nextInt(40));
        }
    }

    private Process start(String command, String... more) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar", o.jar().toString(), command, "-c", config.toString()));
        cmd.addAll(List.of(more));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(o.work().resolve("console.log").toFile())).start();
    }

    /** Runs a command of the jar to its end; its exit code, or -1 if it did not end within 10 minutes. */
    private int runToEnd(String command, String... more) throws IOException, InterruptedException {
        Process p = start(command, more);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            p.waitFor();
            return -1;
        }
        return p.exitValue();
    }

    /**
     * {@code keepwatch verify} must find the backup intact (exit 0), and {@code keepwatch restore} of the latest
     * state must give back exactly the source: the same files, byte for byte, and nothing else.
     */
    private void checkVerifyAndRestore() throws IOException, InterruptedException {
        int verify = runToEnd("verify");
        if (verify != 0) {
            problems.add("keepwatch verify exited " + verify + " (0 = intact); see " + o.work().resolve("console.log"));
            corrupt++;
        }
        Path restored = o.work().resolve("restored");
        int restore = runToEnd("restore", "--to", restored.toString());
        if (restore != 0) {
            problems.add("keepwatch restore --to " + restored + " exited " + restore + "; see " + o.work().resolve("console.log"));
        }
        Path back = restored.resolve("source");
        Map<String, Path> sourceFiles = regularFiles(src);
        Map<String, Path> restoredFiles = Files.isDirectory(back) ? regularFiles(back) : Map.of();
        for (Map.Entry<String, Path> e : sourceFiles.entrySet()) {
            Path r = restoredFiles.get(e.getKey());
            if (r == null) {
                problems.add("not restored: " + e.getKey());
                lost++;
            } else if (Files.mismatch(e.getValue(), r) != -1) {
                problems.add("restored file differs from the source: " + e.getKey());
                corrupt++;
            }
        }
        for (String rel : restoredFiles.keySet()) {
            if (!sourceFiles.containsKey(rel)) {
                problems.add("restored a file the source does not hold: " + rel);
            }
        }
    }

    private static Map<String, Path> regularFiles(Path root) throws IOException {
        Map<String, Path> out = new HashMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList()) {
                out.put(BackupLayout.relative(root, p), p);
            }
        }
        return out;
    }

    /** One random change to the source. */
    private void churn() throws IOException {
        int op = random.nextInt(100);
        try {
            if (op < 30 || files.isEmpty()) {
                Path dir = dirs.get(random.nextInt(dirs.size()));
                Path f = dir.resolve("f" + counter++ + ".bin");
                Files.write(f, content(op == 0 ? o.bigFileMb() << 20 : random.nextInt(64 << 10)));
                files.add(f);
            } else if (op < 50) {
                Files.write(pick(files), content(random.nextInt(64 << 10)));
            } else if (op < 60) {
                Files.write(pick(files), content(random.nextInt(4 << 10)), StandardOpenOption.APPEND);
            } else if (op < 70) {
                Path f = pick(files);
                Path to = dirs.get(random.nextInt(dirs.size())).resolve("r" + counter++ + ".bin");
                Files.move(f, to);
                files.remove(f);
                files.add(to);
            } else if (op < 80) {
                Path f = pick(files);
                Files.delete(f);
                files.remove(f);
            } else if (op < 90) {
                Path d = dirs.get(random.nextInt(dirs.size())).resolve("d" + counter++);
                Path deep = d.resolve("x").resolve("y");
                Files.createDirectories(deep);
                dirs.add(d);
                dirs.add(deep);
                for (int i = 0; i < 3; i++) {
                    Path f = deep.resolve("n" + counter++ + ".bin");
                    Files.write(f, content(random.nextInt(8 << 10)));
                    files.add(f);
                }
            } else if (op < 95 && dirs.size() > 1) {
                Path d = dirs.get(1 + random.nextInt(dirs.size() - 1));
                Path to = d.resolveSibling(d.getFileName() + "m" + counter++);
                Files.move(d, to);
                retarget(d, to);
            } else if (dirs.size() > 1) {
                Path d = dirs.get(1 + random.nextInt(dirs.size() - 1));
                deleteTree(d);
                files.removeIf(f -> f.startsWith(d));
                dirs.removeIf(x -> x.startsWith(d));
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // The model and the disk disagree only after an earlier op failed; resync from disk.
            resync();
        }
    }

    private byte[] content(int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }

    private Path pick(List<Path> list) {
        return list.get(random.nextInt(list.size()));
    }

    private void retarget(Path from, Path to) {
        files.replaceAll(f -> f.startsWith(from) ? to.resolve(from.relativize(f)) : f);
        dirs.replaceAll(d -> d.startsWith(from) ? to.resolve(from.relativize(d)) : d);
    }

    private void resync() throws IOException {
        files.clear();
        dirs.clear();
        try (Stream<Path> s = Files.walk(src)) {
            s.forEach(p -> (Files.isDirectory(p) ? dirs : files).add(p));
        }
    }

    private static void deleteTree(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Every vN.bak seen now must have the same content whenever it is seen again. */
    private void recordVersions() throws IOException {
        Path versions = backup.resolve("versions");
        if (!Files.isDirectory(versions)) {
            return;
        }
        try (Stream<Path> s = Files.walk(versions)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String h = hasher.hashOf(p);
                String before = versionHashes.putIfAbsent(p, h);
                if (before != null && !before.equals(h)) {
                    problems.add("overwritten version: " + p);
                    corrupt++;
                }
            }
        }
    }

    /**
     * The versions of one path whose content equals the copy that replaced them (an update archived the very
     * content it put in place). The copy that replaced version {@code v} became the current copy when
     * {@code v} was archived, so its {@code since} is {@code v.archivedAt()}: it is now a later version, a
     * deleted file (replaced, then deleted) or, for the newest version, the live file. Only a version whose
     * replacement retention has pruned has nothing to be compared with.
     */
    static List<VersionRecord> bogusVersions(PathHistory history, Optional<LiveFile> live) {
        record Copy(Object entry, Instant since, String hash) {
        }
        List<Copy> copies = new ArrayList<>();
        history.versions().forEach(v -> copies.add(new Copy(v, v.since(), v.hash())));
        history.deletions().forEach(d -> copies.add(new Copy(d, d.since(), d.hash())));
        live.ifPresent(l -> copies.add(new Copy(l, l.since(), l.hash())));
        List<VersionRecord> bogus = new ArrayList<>();
        for (VersionRecord v : history.versions()) {
            if (copies.stream().anyMatch(c -> c.entry() != v && v.archivedAt().equals(c.since()) && v.hash().equals(c.hash()))) {
                bogus.add(v);
            }
        }
        return bogus;
    }

    private Figures check() throws Exception {
        BackupLayout layout = new BackupLayout(backup);
        BackupState state = new StateStore(layout, RealFs.forFileSystem(FileSystems.getDefault()), Clock.systemUTC()).load()
                .orElseThrow(() -> new IOException("no state.json in " + backup));
        long bytes = 0;
        int liveFiles = 0;
        try (Stream<Path> s = Files.walk(src)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                liveFiles++;
                bytes += Files.size(f);
                String rel = BackupLayout.relative(src, f);
                FileRef ref = new FileRef("source", rel);
                LiveFile live = state.live(ref).orElse(null);
                if (live == null) {
                    problems.add("not in state: " + rel);
                    lost++;
                    continue;
                }
                Path copy = layout.copyOf(ref, live);
                if (!Files.exists(copy) || Files.mismatch(f, copy) != -1) {
                    problems.add("current copy differs from the source: " + rel);
                    lost++;
                }
            }
        }
        int versions = 0;
        int deleted = 0;
        for (Map.Entry<String, PathHistory> e : state.histories("source").entrySet()) {
            FileRef ref = new FileRef("source", e.getKey());
            for (VersionRecord v : e.getValue().versions()) {
                versions++;
                Path p = layout.version(ref, v.n());
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add("missing version: " + p);
                    lost++;
                } else if (!hasher.hashOf(p).equals(v.hash())) {
                    problems.add("corrupt version: " + p);
                    corrupt++;
                }
            }
            for (VersionRecord v : bogusVersions(e.getValue(), state.live(ref))) {
                problems.add("bogus version (equals the copy that replaced it): " + layout.version(ref, v.n()));
                corrupt++;
            }
            for (DeletionRecord d : e.getValue().deletions()) {
                deleted++;
                Path p = layout.deleted("source", d.stored());
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    problems.add("missing deleted file: " + p);
                    lost++;
                } else if (!hasher.hashOf(p).equals(d.hash())) {
                    problems.add("corrupt deleted file: " + p);
                    corrupt++;
                }
            }
        }
        for (Map.Entry<Path, String> e : versionHashes.entrySet()) {
            if (Files.exists(e.getKey()) && !hasher.hashOf(e.getKey()).equals(e.getValue())) {
                problems.add("version changed after it was written: " + e.getKey());
                corrupt++;
            }
        }
        for (String dir : List.of(".keepwatch/tmp", ".keepwatch/journal")) {
            try (Stream<Path> s = Files.list(backup.resolve(dir))) {
                s.forEach(p -> problems.add("leftover: " + p));
            }
        }
        try (Stream<Path> s = Files.walk(backup)) {
            s.filter(p -> !p.startsWith(backup.resolve(".keepwatch")) && p.getFileName().toString().endsWith(".tmp"))
                    .forEach(p -> problems.add("temp file at a final path: " + p));
        }
        checkVerifyAndRestore();
        String log = Files.readString(logs.resolve("keepwatch.log"), StandardCharsets.UTF_8);
        if (!log.contains("Run complete")) {
            problems.add("no pass completed according to the log");
        }
        return new Figures(o.kills(), liveFiles, bytes, versions, deleted, lost, corrupt, List.copyOf(problems));
    }
}
