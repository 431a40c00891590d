package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.events.Outcome;
import io.keepwatch.fs.RealFs;
import io.keepwatch.schedule.Scheduler;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.testing.MutableClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduled export: an archive keepwatch import reads back, named by host and time, the newest export_keep kept. */
class ScheduledExportTest {
    @TempDir
    Path tmp;

    private int kw(String... args) {
        return Main.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(new StringWriter(), true), args);
    }

    private List<String> archives() throws Exception {
        try (Stream<Path> s = Files.list(tmp.resolve("usb"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void eachRunWritesAnArchiveAndOnlyTheNewestAreKept() throws Exception {
        Files.createDirectories(tmp.resolve("source"));
        Files.writeString(tmp.resolve("source/a.txt"), "alpha");
        Path cfgFile = tmp.resolve("config.json");
        Files.writeString(cfgFile, "{\"sources\": [\"./source\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\", "
                + "\"schedules\": {\"export\": \"0 2 * * *\", \"export_to\": \"./usb\", \"export_key_file\": \"./export.key\", "
                + "\"export_keep\": 2}}");
        assertEquals(0, kw("once", "-c", cfgFile.toString()));
        Config cfg = new ConfigLoader().load(cfgFile);
        MutableClock clock = new MutableClock(Instant.parse("2026-03-02T02:00:00Z"));
        RealFs fs = new RealFs(false, ms -> { });
        BackupLayout layout = new BackupLayout(cfg.backupRoot());
        Map<String, String> paths = Map.of("source", tmp.resolve("source").toString());

        Scheduler.Result noKey = ScheduledJobs.export(cfg.schedules().export().orElseThrow(), layout, fs, clock, "nas", paths);
        assertEquals(Outcome.FAILED, noKey.outcome());
        assertTrue(noKey.summary().startsWith("no key file " + tmp.resolve("export.key")), noKey.summary());

        // keepwatch export makes the key file at its first run; the schedule uses it from then on.
        assertEquals(0, kw("export", "-c", cfgFile.toString(), "--to", tmp.resolve("first.kwx").toString(), "--key-file",
                tmp.resolve("export.key").toString()));
        for (int i = 0; i < 3; i++) {
            Scheduler.Result r = ScheduledJobs.export(cfg.schedules().export().orElseThrow(), layout, fs, clock, "nas", paths);
            assertEquals(Outcome.OK, r.outcome(), r.summary());
            clock.advance(Duration.ofDays(1));
        }
        assertEquals(List.of("keepwatch-nas-20260303T020000Z.kwx", "keepwatch-nas-20260304T020000Z.kwx"), archives());
        Files.writeString(tmp.resolve("usb/notes.txt"), "not an archive");
        ScheduledJobs.export(cfg.schedules().export().orElseThrow(), layout, fs, clock, "nas", paths);
        assertEquals(List.of("keepwatch-nas-20260304T020000Z.kwx", "keepwatch-nas-20260305T020000Z.kwx", "notes.txt"), archives(),
                "other files are left alone");

        assertEquals(0, kw("import", tmp.resolve("usb/keepwatch-nas-20260305T020000Z.kwx").toString(), "--key-file",
                tmp.resolve("export.key").toString(), "--to", tmp.resolve("back").toString()));
        assertEquals("alpha", Files.readString(tmp.resolve("back/source/a.txt")));
    }
}
