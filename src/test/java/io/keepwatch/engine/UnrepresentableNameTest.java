package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.fs.RealFs;
import io.keepwatch.testing.LogCapture;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A name the backup's filesystem cannot hold fails that file loudly. The seam: a source on jimfs holding a
 * name with a lone surrogate, as a Windows folder can (names there are UTF-16, unchecked), backed up to a
 * filesystem whose names must be valid Unicode; the rest of the pass goes on.
 */
class UnrepresentableNameTest {
    @Test
    void aNameThatCannotBeMadeIsAFailureWithItsReasonAndTheRestIsBackedUp() throws Exception {
        try (FileSystem jimfs = TestFs.unix()) {
            Path src = jimfs.getPath("/data/src");
            Path backup = jimfs.getPath("/backup");
            Files.createDirectories(src);
            Files.writeString(src.resolve("ok.txt"), "fine");
            Files.writeString(src.resolve("bad\uDCFF.txt"), "lost?");
            Config config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src));
            PassResult r;
            try (LogCapture log = new LogCapture(); Engine e = Engine.open(config, new RealFs(false, ms -> { }),
                    new MutableClock(Instant.parse("2026-03-01T10:00:00Z")), Progress.NONE)) {
                r = e.runFull(Engine.PassOptions.DEFAULT);
                // as the log file shows it (LogCapture has the message before the layout escapes it)
                assertTrue(log.lines().stream().map(io.keepwatch.fs.NameText::escape).anyMatch(l -> l.startsWith("ERROR FAILED: src/bad\\xff.txt: ")
                        && l.contains("not valid UTF-8")), log.lines().toString());
                assertFalse(log.lines().stream().anyMatch(l -> l.contains("vanished")), log.lines().toString());
            }
            assertFalse(r.complete());
            assertEquals(1, r.counts().failed(), r.counts().summary());
            assertEquals("1 backed up, 0 updated, 0 duplicates, 0 deleted, 0 unchanged, 1 failed", r.counts().summary());
            assertEquals("fine", Files.readString(backup.resolve("src/ok.txt")));
        }
    }
}
