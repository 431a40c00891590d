package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.Fs;
import io.keepwatch.scan.FolderGate;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.Scanner;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The scans of a full pass, started before anything else. A scan only reads the sources, so {@code keepwatch
 * once} starts them as soon as it knows the configuration, and sets up its log file, takes the backup root's
 * lock and reads the state's index while they run. Scans log nothing themselves (what they pass over is in
 * their results), so they may run before logging is set up. {@link Engine#runOnce} uses and closes them.
 */
public final class ScanAhead implements AutoCloseable {
    private final ExecutorService pool;
    private final Map<String, Scanner> scanners;
    private final Map<String, Future<ScanResult>> scans = new HashMap<>();

    private ScanAhead(Config config, Fs fs, boolean startAll) {
        this.scanners = scannersOf(config, fs);
        this.pool = Executors.newFixedThreadPool(Math.max(1, scanners.size()), Threads.named("keepwatch-scan"));
        if (startAll) {
            scanners.forEach((name, scanner) -> scans.put(name, pool.submit(() -> scanner.scanAll())));
        }
    }

    /** A scanner for every source of {@code config}, by source name, in the config's order. */
    static Map<String, Scanner> scannersOf(Config config, Fs fs) {
        ExcludeRules rules = ExcludeRules.compile(config.exclude());
        Map<String, Scanner> out = new LinkedHashMap<>();
        for (SourceConfig s : config.sources()) {
            out.put(s.name(), new Scanner(s, rules, fs));
        }
        return out;
    }

    /**
     * Starts a scan of every source of {@code config}. Nothing here logs, or loads a class that does: the scans
     * may start before logging is set up (keepwatch once starts them first).
     */
    public static ScanAhead start(Config config, Fs fs) {
        return new ScanAhead(config, fs, true);
    }

    /**
     * Scanners for every source of {@code config}, none started: {@link #begin} starts each (the service's start-up
     * scans, which run while the source's watches are being registered).
     */
    public static ScanAhead onRequest(Config config, Fs fs) {
        return new ScanAhead(config, fs, false);
    }

    /**
     * Starts a whole scan of the source named {@code source} that lists each folder only once {@code gate} lets it;
     * the caller hands the result to the pass that uses it ({@link Engine#runSource(String, io.keepwatch.events.Trigger,
     * Optional)}).
     */
    public Future<ScanResult> begin(String source, FolderGate gate) {
        Scanner scanner = scanners.get(source);
        return pool.submit(() -> scanner.scanAll(gate));
    }

    Map<String, Scanner> scanners() {
        return scanners;
    }

    Map<String, Future<ScanResult>> scans() {
        return scans;
    }

    /** Stops scans still running (the pass did not need them: it failed, or the lock was taken). */
    @Override
    public void close() {
        pool.shutdownNow();
    }
}
