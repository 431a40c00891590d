package io.keepwatch.daemon;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.config.ExcludeRules;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.RecordingListener;
import io.keepwatch.watch.DirectoryWatchers;
import io.keepwatch.watch.Watchers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** A service over real temp folders, run on a thread of the test, with small debounce times. */
final class Harness implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofSeconds(30);

    final Path dir;
    final Path src;
    final Path backup;
    final Config config;
    final Engine engine;
    final Daemon daemon;
    /** Every event the engine and the service emitted. */
    final RecordingListener heard = new RecordingListener();
    private final DirectoryWatchers realWatchers;
    private final io.keepwatch.engine.ScanAhead scans;
    private final Thread thread;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private Harness(Path dir, String backupRoot, String extraJson, Function<Watchers, Watchers> wrap,
            Function<Timing, Timing> tune, Clock clock, Ticker ticker, Function<Fs, Fs> wrapFs) throws Exception {
        this.dir = dir;
        this.src = dir.resolve("src");
        Files.createDirectories(src);
        Files.writeString(dir.resolve("config.json"), "{\"sources\": [\"./src\"], \"backup_root\": \"" + backupRoot
                + "\", \"log_dir\": \"./logs\", \"retention\": {\"max_versions_per_file\": 1000}, "
                + "\"watch\": {\"debounce_ms\": 150, \"max_delay_ms\": 1000, \"state_flush_ms\": 200}" + extraJson + "}");
        this.config = new ConfigLoader().load(dir.resolve("config.json"));
        this.backup = config.backupRoot();
        Fs fs = wrapFs.apply(RealFs.forFileSystem(backup.getFileSystem()));
        this.realWatchers = new DirectoryWatchers(ExcludeRules.compile(config.exclude()));
        Timing t = Timing.of(config.watch());
        t = tune.apply(new Timing(t.debounce(), t.maxDelay(), t.stateFlush(), t.rescanInterval(), t.queueCapacity(),
                Duration.ofMillis(200), Duration.ofMillis(200), t.limitRescan(), t.indexIdle()));
        Watchers watchers = wrap.apply(realWatchers);
        // As RunCommand does: the watches register while the engine opens (loading the state only if the start-up cannot
        // be reconciled from its metadata index).
        this.scans = io.keepwatch.engine.ScanAhead.onRequest(config, fs);
        EarlyWatches early = EarlyWatches.start(config.sources(), watchers, t, scans);
        this.engine = Engine.openForService(config, fs, clock, Progress.NONE, heard);
        this.daemon = new Daemon(engine, watchers, fs, clock, ticker, t, java.util.Optional.of(early), heard,
                java.util.Optional.empty());
        this.thread = new Thread(() -> {
            try {
                daemon.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "test-engine-thread");
    }

    /** Writes the files, starts the service and waits until it is ready. */
    static Harness start(Path dir, String... relAndContent) throws Exception {
        return start(dir, "./backup", "", w -> w, t -> t, relAndContent);
    }

    static Harness start(Path dir, String backupRoot, String extraJson, Function<Watchers, Watchers> wrap,
            Function<Timing, Timing> tune, String... relAndContent) throws Exception {
        return start(dir, backupRoot, extraJson, wrap, tune, Clock.systemUTC(), Ticker.REAL, relAndContent);
    }

    /** A service whose time is {@code clock}'s, its loop waiting through {@code ticker}. */
    static Harness start(Path dir, String backupRoot, String extraJson, Function<Watchers, Watchers> wrap,
            Function<Timing, Timing> tune, Clock clock, Ticker ticker, String... relAndContent) throws Exception {
        return start(dir, fs -> fs, backupRoot, extraJson, wrap, tune, clock, ticker,
                relAndContent);
    }

    /** A service whose file operations are {@code wrapFs}'s wrapping of the real ones. */
    static Harness start(Path dir, Function<Fs, Fs> wrapFs, String... relAndContent) throws Exception {
        return start(dir, wrapFs, "./backup", "", w -> w, t -> t, Clock.systemUTC(), Ticker.REAL, relAndContent);
    }

    private static Harness start(Path dir, Function<Fs, Fs> wrapFs, String backupRoot, String extraJson,
            Function<Watchers, Watchers> wrap, Function<Timing, Timing> tune, Clock clock, Ticker ticker,
            String... relAndContent) throws Exception {
        Files.createDirectories(dir.resolve("src"));
        for (int i = 0; i < relAndContent.length; i += 2) {
            write(dir.resolve("src"), relAndContent[i], relAndContent[i + 1]);
        }
        Harness h = new Harness(dir, backupRoot, extraJson, wrap, tune, clock, ticker, wrapFs);
        h.thread.start();
        // Until the service writes its first status, there is no status file to read.
        await().atMost(DEADLINE).ignoreException(java.nio.file.NoSuchFileException.class).untilAsserted(() -> {
            h.checkAlive();
            assertEquals("idle", h.status().activity());
        });
        return h;
    }

    static Path write(Path base, String rel, String content) throws IOException {
        Path p = base.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    void checkAlive() {
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("the service failed", t);
        }
    }

    ServiceStatus status() throws IOException {
        return StatusFile.read(engine.layout().statusFile());
    }

    Path copy(String rel) {
        return backup.resolve("src").resolve(rel);
    }

    /** A file's text, or {@code <missing>} (an update moves the old copy away before the new one is renamed in). */
    static String read(Path p) throws IOException {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            return "<missing>";
        }
    }

    /** Stops the service as a shutdown hook would, and closes the engine. */
    void stop() throws Exception {
        daemon.stop();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        checkAlive();
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            try {
                engine.close();
            } finally {
                realWatchers.close();
                scans.close();
            }
        }
    }
}
