package io.keepwatch.engine;

import static io.keepwatch.testing.TestFs.read;
import static io.keepwatch.testing.TestFs.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.RetentionConfig;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Trigger;
import io.keepwatch.scan.FolderGate;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.RecordingListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Engine#openForService} and {@link Engine#startedUnchanged}: the service's start-up is reconciled from the
 * metadata index, without loading state.json, exactly when {@code once}'s no-change check would say nothing changed;
 * every other case falls back to the full passes, which load the state.
 */
class ServiceStartTest {
    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    /** What happened between the last save and the service's start, and whether the start is reconciled by the index. */
    enum SinceLastSave {
        NOTHING(true),
        NEW_CONTENT_SAME_SIZE(false),
        NEW_FILE(false),
        FILE_DELETED(false),
        NEW_PERMISSION_BITS(false),
        INDEX_DELETED(false),
        INDEX_GARBLED(false),
        DELETION_COMES_DUE(false),
        LOWER_VERSION_LIMIT(false);

        final boolean byIndex;

        SinceLastSave(boolean byIndex) {
            this.byIndex = byIndex;
        }
    }

    private void setUp(SinceLastSave what) throws Exception {
        kw.retention(new RetentionConfig(10, Optional.empty(), Optional.of(Duration.ofDays(7))));
        kw.write("a.txt", "alpha");
        kw.write("d/b.txt", "beta");
        kw.write("gone.txt", "bye");
        kw.once(Engine.PassOptions.DEFAULT);
        kw.write("a.txt", "alph2");
        Files.setLastModifiedTime(kw.src().resolve("a.txt"), FileTime.from(kw.clock().instant().plusSeconds(5)));
        Files.delete(kw.src().resolve("gone.txt"));
        kw.once(Engine.PassOptions.DEFAULT);
        kw.once(Engine.PassOptions.DEFAULT); // nothing changed: the index is current
        Path src = kw.src();
        switch (what) {
            case NOTHING -> { }
            case NEW_CONTENT_SAME_SIZE -> {
                FileTime t = Files.getLastModifiedTime(src.resolve("d/b.txt"));
                write(src.resolve("d/b.txt"), "BETA");
                Files.setLastModifiedTime(src.resolve("d/b.txt"), FileTime.from(t.toInstant().plusSeconds(1)));
            }
            case NEW_FILE -> kw.write("d/c.txt", "gamma");
            case FILE_DELETED -> Files.delete(src.resolve("d/b.txt"));
            case NEW_PERMISSION_BITS -> Files.setPosixFilePermissions(src.resolve("a.txt"), PosixFilePermissions.fromString("rw-------"));
            case INDEX_DELETED -> Files.delete(kw.layout().indexFile());
            case INDEX_GARBLED -> {
                byte[] bytes = Files.readAllBytes(kw.layout().indexFile());
                bytes[bytes.length / 2] ^= 1;
                Files.write(kw.layout().indexFile(), bytes);
            }
            case DELETION_COMES_DUE -> kw.clock().advance(Duration.ofDays(8));
            case LOWER_VERSION_LIMIT -> kw.retention(new RetentionConfig(0, Optional.empty(), Optional.of(Duration.ofDays(7))));
        }
    }

    /** The start-up scans, as the service's registration begins them. */
    private Map<String, Future<ScanResult>> scans(ScanAhead ahead) {
        return Map.of("src", ahead.begin("src", FolderGate.OPEN));
    }

    @ParameterizedTest
    @EnumSource(SinceLastSave.class)
    void theStartIsReconciledByTheIndexExactlyWhenNothingIsDue(SinceLastSave what) throws Exception {
        setUp(what);
        RecordingListener heard = new RecordingListener();
        try (ScanAhead ahead = ScanAhead.onRequest(kw.config(), kw.fs());
                Engine engine = Engine.openForService(kw.config(), kw.fs(), kw.clock(), Progress.NONE, heard)) {
            Optional<PassResult> started = engine.startedUnchanged(scans(ahead));
            assertEquals(what.byIndex, started.isPresent(), what.name());
            if (started.isPresent()) {
                assertEquals(2, started.get().counts().unchanged());
                assertEquals(Duration.ZERO, engine.loadTime(), "state.json not loaded");
                List<EngineEvent.PassFinished> passes = heard.of(EngineEvent.PassFinished.class);
                assertEquals(1, passes.size());
                assertEquals(Trigger.STARTUP, passes.get(0).trigger());
            } else {
                // The fallback: the full pass of today's start-up, which loads the state.
                PassResult pass = engine.runSource("src", Trigger.STARTUP, Optional.of(scans(ahead).get("src")));
                assertTrue(pass.complete(), pass.summaryLine());
                assertTrue(engine.state().liveCount("src") >= 1);
            }
        }
    }

    @Test
    void aChangeAfterAStartReconciledByTheIndexIsBackedUpOnceTheStateIsLoaded() throws Exception {
        setUp(SinceLastSave.NOTHING);
        try (ScanAhead ahead = ScanAhead.onRequest(kw.config(), kw.fs());
                Engine engine = Engine.openForService(kw.config(), kw.fs(), kw.clock(), Progress.NONE,
                        io.keepwatch.events.EngineListener.NONE)) {
            assertTrue(engine.startedUnchanged(scans(ahead)).isPresent());
            assertFalse(engine.hasUncommittedChanges());
            engine.commit(); // nothing to save: the state was not even loaded
            kw.write("d/b.txt", "beta, longer");
            kw.write("new.txt", "fresh");
            // Nothing began the load: the batch loads the state on the engine's thread.
            PassResult batch = engine.runPaths("src", List.of("d/b.txt", "new.txt"));
            assertEquals(1, batch.counts().updated());
            assertEquals(1, batch.counts().backedUp());
            engine.commit();
            assertTrue(engine.startedUnchanged(scans(ahead)).isEmpty(), "asked once: the state is loaded now");
        }
        assertEquals("fresh", read(kw.backup().resolve("src/new.txt")));
        assertEquals("beta", read(kw.backup().resolve("versions/src/d/b.txt/v1.bak")));
        // A `once` that finds nothing changed leaves the index current (writing it if the commit only appended to the
        // change log); the start after it is reconciled by it.
        kw.once(Engine.PassOptions.DEFAULT);
        try (ScanAhead ahead = ScanAhead.onRequest(kw.config(), kw.fs());
                Engine engine = Engine.openForService(kw.config(), kw.fs(), kw.clock(), Progress.NONE,
                        io.keepwatch.events.EngineListener.NONE)) {
            assertEquals(3, engine.startedUnchanged(scans(ahead)).orElseThrow().counts().unchanged());
        }
    }

    @Test
    void theStateLoadsInTheBackgroundAndAClosedEngineLeavesNothingBehind() throws Exception {
        setUp(SinceLastSave.NOTHING);
        byte[] state = Files.readAllBytes(kw.backup().resolve("state.json"));
        try (ScanAhead ahead = ScanAhead.onRequest(kw.config(), kw.fs());
                Engine engine = Engine.openForService(kw.config(), kw.fs(), kw.clock(), Progress.NONE,
                        io.keepwatch.events.EngineListener.NONE)) {
            assertTrue(engine.startedUnchanged(scans(ahead)).isPresent());
            java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
            engine.loadInBackground(done::countDown);
            assertTrue(done.await(30, java.util.concurrent.TimeUnit.SECONDS));
            assertFalse(engine.isLoading());
            assertEquals(2, engine.state().liveCount("src"));
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(state, Files.readAllBytes(kw.backup().resolve("state.json")),
                "a service that changed nothing writes nothing");
        // The lock was released: another engine opens.
        try (Engine again = kw.open()) {
            assertEquals(2, again.state().liveCount("src"));
        }
    }
}
