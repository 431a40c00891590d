package io.keepwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.events.Outcome;
import io.keepwatch.fs.RealFs;
import io.keepwatch.schedule.Jobs;
import io.keepwatch.schedule.Scheduler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scheduled jobs beside a running service, over real temp folders: verify reads beside it, prune runs on its thread. */
class ScheduledJobsInServiceTest {
    @TempDir
    Path tmp;

    @Test
    void aScheduledVerifyFindsACorruptedCopyWhileTheServiceRuns() throws Exception {
        try (Harness h = Harness.start(tmp, "a.txt", "alpha", "b.txt", "beta")) {
            Scheduler.Task verify = Jobs.verify(h.engine.layout(), new RealFs(false, ms -> { }), Clock.systemUTC());
            Scheduler.Result ok = verify.run();
            assertEquals(Outcome.OK, ok.outcome(), ok.summary());
            assertTrue(ok.summary().matches("\\d+ file\\(s\\) checked, .*; every file matches state.json"), ok.summary());

            Files.writeString(h.backup.resolve("src/b.txt"), "bitrot");
            Scheduler.Result damaged = verify.run();
            assertEquals(Outcome.PARTIAL, damaged.outcome());
            assertTrue(damaged.summary().contains("backup NOT intact: ") && damaged.summary().endsWith("0 missing, 1 corrupted, "
                    + "0 unexpected, 0 error(s)"), damaged.summary());
            assertEquals(1, damaged.problems().size());
            assertTrue(damaged.problems().get(0).startsWith("CORRUPTED src/b.txt"), damaged.problems().toString());
        }
    }

    @Test
    void workForTheEngineThreadRunsThereBetweenBatchesAndFailsOnceTheServiceStops() throws Exception {
        Harness h = Harness.start(tmp, "a.txt", "alpha");
        try {
            Scheduler.Task onEngine = Jobs.prune(h.daemon::onEngineThread,
                    () -> new Scheduler.Result(Outcome.OK, Thread.currentThread().getName(), List.of()));
            assertEquals("test-engine-thread", onEngine.run().summary());
            h.stop();
            assertThrows(InterruptedException.class, onEngine::run);
        } finally {
            h.close();
        }
    }

    @Test
    void aScheduledPushThenCheckBesideTheServiceAndAFlippedByteIsDamage() throws Exception {
        Path repoDir = tmp.resolve("repo");
        Path key = tmp.resolve("repo.key");
        io.keepwatch.repo.Repository.init(new io.keepwatch.repo.LocalStore(repoDir), key, java.util.Optional.empty(),
                new io.keepwatch.repo.KeyFile.Kdf(1024, 1, 1));
        Jobs.RepositoryOpener opener = () -> io.keepwatch.repo.Repository.open(new io.keepwatch.repo.LocalStore(repoDir), key,
                java.util.Optional.empty(), java.util.Optional.of(tmp.resolve("cache")));
        try (Harness h = Harness.start(tmp, "a.txt", "alpha", "b.txt", "beta")) {
            RealFs fs = new RealFs(false, ms -> { });
            Scheduler.Result push = Jobs.push(opener, h.engine.layout(), fs, Clock.systemUTC(), "testhost",
                    java.util.Optional.of(tmp.resolve("cache")), java.util.Map.of("src", h.src.toString())).run();
            assertEquals(Outcome.OK, push.outcome(), push.summary());
            assertTrue(push.summary().matches("snapshot \\w+ saved: 2 content\\(s\\) read .*"), push.summary());
            Scheduler.Result check = Jobs.check(opener, 1.0).run();
            assertEquals(Outcome.OK, check.outcome(), check.summary());
            assertTrue(check.summary().startsWith("no damage: 1 snapshot(s), "), check.summary());

            Path pack;
            try (var files = Files.walk(repoDir.resolve("data"))) {
                pack = files.filter(Files::isRegularFile).findFirst().orElseThrow();
            }
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(pack.toFile(), "rw")) {
                f.seek(40);
                int b = f.read();
                f.seek(40);
                f.write(b ^ 1);
            }
            Scheduler.Result damaged = Jobs.check(opener, 1.0).run();
            assertEquals(Outcome.PARTIAL, damaged.outcome(), damaged.summary());
            assertTrue(damaged.summary().startsWith("1 damaged object(s): "), damaged.summary());
            assertTrue(damaged.problems().get(0).startsWith("DAMAGED " + repoDir.relativize(pack)), damaged.problems().toString());
        }
    }
}
