package io.keepwatch.testing;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.config.WatchConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.PassResult;
import io.keepwatch.engine.Progress;
import io.keepwatch.events.EngineListener;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up every engine test shares, as a JUnit extension: a unix-like jimfs, a source {@code src} at
 * {@code /data/src} (created empty), a backup root at {@code /backup}, a {@link MutableClock} pinned at
 * {@link #T0} (or the instant given), a {@link FaultyFs} over the real file operations with no fault set, and a
 * config joining them. Register it with {@code @RegisterExtension final EngineFixture kw = new EngineFixture();}:
 * each test gets fresh roots, and the file system is closed after it. A test that needs several fresh roots
 * in one method (one per crash point, say) uses {@link #start()} and {@link #close()} itself.
 *
 * <p>Each {@link #pass()} opens the engine, runs one full pass and closes it, as one {@code keepwatch once}
 * would; a test that keeps one engine over several steps uses {@link #open} in a try-with-resources.
 */
public final class EngineFixture implements BeforeEachCallback, AfterEachCallback, AutoCloseable {
    /** The instant the clock starts at unless the fixture is made with another. */
    public static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    private final Instant start;
    private final String sourcePath;
    private FileSystem jimfs;
    private Path src;
    private Path backup;
    private MutableClock clock;
    private FaultyFs fs;
    private Config config;

    /** Roots at {@code /data/src} and {@code /backup}, the clock at {@link #T0}. */
    public EngineFixture() {
        this(T0, "/data/src");
    }

    /** The clock at {@code start}. */
    public EngineFixture(Instant start) {
        this(start, "/data/src");
    }

    private EngineFixture(Instant start, String sourcePath) {
        this.start = start;
        this.sourcePath = sourcePath;
    }

    /** The source at {@code path} rather than {@code /data/src}. */
    public EngineFixture withSourceAt(String path) {
        return new EngineFixture(start, path);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
    }

    /** Fresh roots, clock and file operations (what each test gets before it runs). */
    public EngineFixture start() throws IOException {
        jimfs = TestFs.unix();
        src = jimfs.getPath(sourcePath);
        backup = jimfs.getPath("/backup");
        Files.createDirectories(src);
        clock = new MutableClock(start);
        fs = new FaultyFs(new RealFs(false, ms -> { }));
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));
        return this;
    }

    /** Closes the file system, and with it every root of the test. */
    @Override
    public void close() throws IOException {
        if (jimfs != null) {
            jimfs.close();
            jimfs = null;
        }
    }

    public FileSystem jimfs() {
        return jimfs;
    }

    /** A path on the test's file system. */
    public Path path(String path) {
        return jimfs.getPath(path);
    }

    public Path src() {
        return src;
    }

    public Path backup() {
        return backup;
    }

    public MutableClock clock() {
        return clock;
    }

    /** The file operations every pass uses; faults set on it apply from the next operation on. */
    public FaultyFs fs() {
        return fs;
    }

    public Config config() {
        return config;
    }

    /** Replaces the config the next passes use. */
    public void config(Config replaced) {
        this.config = replaced;
    }

    /** The config with one source, {@code src}, following {@code retention}. */
    public Config config(RetentionConfig retention) {
        return TestFs.config(jimfs.getPath("/etc"), backup, retention, new SourceConfig("src", src));
    }

    /** From now on, the one source follows {@code retention}. */
    public void retention(RetentionConfig retention) {
        this.config = config(retention);
    }

    /** From now on, the service timings and journal limits are {@code watch}'s. */
    public void watch(WatchConfig watch) {
        Config c = config;
        this.config = new Config(c.configFile(), c.sources(), c.backupRoot(), c.logDir(), c.hashAlgorithm(), c.retention(),
                c.exclude(), watch);
    }

    /** The backup root's layout. */
    public BackupLayout layout() {
        return new BackupLayout(backup);
    }

    /** Writes {@code content} to the source's file {@code rel}, making its folders. */
    public Path write(String rel, String content) throws IOException {
        Path p = src.resolve(rel);
        TestFs.write(p, content);
        return p;
    }

    /** An engine on the backup root with the fixture's file operations; the caller closes it. */
    public Engine open() throws Exception {
        return open(fs, EngineListener.NONE);
    }

    /** An engine through other file operations (a recording wrapper of {@link #fs()}, say); the caller closes it. */
    public Engine open(Fs with) throws Exception {
        return open(with, EngineListener.NONE);
    }

    public Engine open(EngineListener listener) throws Exception {
        return open(fs, listener);
    }

    public Engine open(Fs with, EngineListener listener) throws Exception {
        return Engine.open(config, with, clock, Progress.NONE, listener);
    }

    /** One full pass in an engine opened and closed for it. */
    public PassResult pass() throws Exception {
        return pass(Engine.PassOptions.DEFAULT);
    }

    public PassResult pass(Engine.PassOptions options) throws Exception {
        return pass(fs, EngineListener.NONE, options);
    }

    public PassResult pass(EngineListener listener) throws Exception {
        return pass(fs, listener, Engine.PassOptions.DEFAULT);
    }

    /** One full pass through other file operations (a recording wrapper of {@link #fs()}, say). */
    public PassResult pass(Fs with) throws Exception {
        return pass(with, EngineListener.NONE, Engine.PassOptions.DEFAULT);
    }

    private PassResult pass(Fs with, EngineListener listener, Engine.PassOptions options) throws Exception {
        try (Engine e = open(with, listener)) {
            return e.runFull(options);
        }
    }

    /** One full pass that must back up everything it finds (no failure, no source unavailable). */
    public PassResult passComplete() throws Exception {
        return passComplete(fs);
    }

    public PassResult passComplete(Fs with) throws Exception {
        PassResult r = pass(with);
        Assertions.assertTrue(r.complete(), () -> r.summaryLine() + " " + r.problems() + " unavailable " + r.unavailable());
        return r;
    }

    /** One {@code keepwatch once} (the no-change fast path included). */
    public PassResult once(Engine.PassOptions options) throws Exception {
        return Engine.runOnce(config, fs, clock, Progress.NONE, options);
    }

    /** The state as the store reads it from the backup root. */
    public BackupState state() throws Exception {
        return new StateStore(layout(), fs, clock).load().orElseThrow();
    }

    /** Every file under the backup root with its text, but keepwatch's own ({@code .keepwatch/}, {@code state.json*}). */
    public Map<String, String> backupFiles() throws IOException {
        Map<String, String> files = TestFs.tree(backup);
        files.keySet().removeIf(k -> k.startsWith(".keepwatch/") || k.startsWith("state.json"));
        return files;
    }

    /** The files of a folder under the backup root, in name order; none when it does not exist. */
    public List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
