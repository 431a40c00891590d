package io.keepwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.config.ExcludeRules;
import io.keepwatch.engine.ScanAhead;
import io.keepwatch.fs.RealFs;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.watch.DirectoryWatchers;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EarlyWatchesTest {
    @TempDir
    Path dir;

    /**
     * Once the daemon has taken the registrations, the EarlyWatches (which the service keeps for its whole life) no
     * longer holds the start-up scan: on a source of a million files that scan's result is hundreds of megabytes,
     * and holding it kept the service's memory at rest above its bound.
     */
    @Test
    void theStartUpScanIsNotKeptAfterTheRegistrationsAreTaken() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        for (int i = 0; i < 20; i++) {
            Files.writeString(Files.createDirectories(src.resolve("d" + i)).resolve("f.txt"), "x" + i);
        }
        Files.writeString(dir.resolve("config.json"), "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", "
                + "\"log_dir\": \"./logs\"}");
        Config config = new ConfigLoader().load(dir.resolve("config.json"));
        try (DirectoryWatchers watchers = new DirectoryWatchers(ExcludeRules.compile(config.exclude()));
                ScanAhead scans = ScanAhead.onRequest(config, RealFs.forFileSystem(src.getFileSystem()))) {
            EarlyWatches early = EarlyWatches.start(config.sources(), watchers, Timing.of(config.watch()), scans);
            WeakReference<ScanResult> result = takeAndCloseWatches(early);
            // Nothing else refers to the result now; only a reference kept by `early` would keep it.
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (result.get() != null && System.nanoTime() < deadline) {
                System.gc();
                byte[][] pressure = new byte[16][];
                for (int i = 0; i < pressure.length; i++) {
                    pressure[i] = new byte[1 << 20];
                }
            }
            assertTrue(result.get() == null, "the start-up scan is still reachable after take()");
            assertEquals(Map.of(), early.take(), "taken registrations are handed over once");
        }
    }

    /** Takes the registrations as the daemon does, waits for the scan, and keeps only a weak reference to its result. */
    private static WeakReference<ScanResult> takeAndCloseWatches(EarlyWatches early) throws Exception {
        Map<String, EarlyWatches.Attempt> taken = early.take();
        EarlyWatches.Attempt attempt = taken.get("src");
        Future<ScanResult> scan = attempt.scan().orElseThrow();
        ScanResult result = scan.get();
        assertTrue(result.files().size() >= 20, "the scan saw the source's files: " + result.files().size());
        attempt.handle().orElseThrow().close();
        return new WeakReference<>(result);
    }
}
