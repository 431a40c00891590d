package io.keepwatch.scan;

import static io.keepwatch.testing.TestFs.write;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.TestFs;
import io.keepwatch.watch.Registration;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A whole-source scan beside the registration of the source's watches (the service's start): it lists a folder only
 * once that folder is watched, or registering is over.
 */
class ScannerGateTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);
    private FileSystem jimfs;
    private Path src;

    @BeforeEach
    void setUp() {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
    }

    @AfterEach
    void tearDown() throws Exception {
        jimfs.close();
    }

    private Future<ScanResult> scanBeside(Registration registration) {
        Scanner scanner = new Scanner(new SourceConfig("src", src), ExcludeRules.compile(List.of()), new RealFs(false, ms -> { }));
        return CompletableFuture.supplyAsync(() -> {
            try {
                return scanner.scanAll(registration);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static List<String> rels(ScanResult scan) {
        return scan.files().stream().map(ScannedFile::rel).toList();
    }

    @Test
    void aFolderIsListedOnlyOnceItIsWatched() throws Exception {
        write(src.resolve("a.txt"), "a");
        write(src.resolve("sub/b.txt"), "b");
        Registration registration = new Registration();
        registration.watched("");
        Future<ScanResult> scan = scanBeside(registration);

        // The root is listed; sub is not watched yet, so the scan waits for it.
        await().atMost(DEADLINE).until(() -> registration.waitingFor("sub"));
        assertFalse(scan.isDone(), "the scan waits for sub's watch");
        write(src.resolve("sub/c.txt"), "made before sub was watched, after the scan began");
        registration.watched("sub");
        for (int i = 2; i < Registration.WAKE_EVERY; i++) {
            registration.watched("elsewhere/" + i); // the waiting scan is woken every WAKE_EVERY folders watched
        }

        assertEquals(List.of("a.txt", "sub/b.txt", "sub/c.txt"), rels(scan.get()), "sub was listed after it was watched");
    }

    @Test
    void whenRegisteringIsOverEveryFolderIsListedWatchedOrNot() throws Exception {
        write(src.resolve("a.txt"), "a");
        write(src.resolve("passed/over/b.txt"), "a folder the registration could not watch");
        Registration registration = new Registration();
        registration.watched("");
        Future<ScanResult> scan = scanBeside(registration);
        await().atMost(DEADLINE).until(() -> registration.waitingFor("passed"));

        registration.finished();

        assertEquals(List.of("a.txt", "passed/over/b.txt"), rels(scan.get()));
    }

    @Test
    void aScanCancelledWhileItWaitsEndsWithoutAResult() throws Exception {
        write(src.resolve("sub/b.txt"), "b");
        Registration registration = new Registration();
        Scanner scanner = new Scanner(new SourceConfig("src", src), ExcludeRules.compile(List.of()), new RealFs(false, ms -> { }));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            Future<ScanResult> scan = pool.submit(() -> scanner.scanAll(registration));
            await().atMost(DEADLINE).until(() -> registration.waitingFor(""));
            scan.cancel(true);
            assertEquals(java.util.concurrent.CancellationException.class,
                    org.junit.jupiter.api.Assertions.assertThrows(Exception.class, scan::get).getClass());
        } finally {
            registration.finished();
            pool.shutdownNow();
        }
        // The pool's thread ends: the cancelled scan did not stay blocked.
        org.junit.jupiter.api.Assertions.assertTrue(pool.awaitTermination(DEADLINE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS));
    }
}
