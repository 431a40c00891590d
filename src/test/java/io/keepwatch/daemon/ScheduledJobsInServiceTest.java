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
}
