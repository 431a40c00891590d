package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.LogCapture;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A name the backup's filesystem cannot hold fails that file loudly. The seam: a source on jimfs holding a
 * name with a lone surrogate, as a Windows folder can (names there are UTF-16, unchecked), backed up to a
 * filesystem whose names must be valid Unicode; the rest of the pass goes on.
 */
class UnrepresentableNameTest {
    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    @Test
    void aNameThatCannotBeMadeIsAFailureWithItsReasonAndTheRestIsBackedUp() throws Exception {
        kw.write("ok.txt", "fine");
        kw.write("bad\uDCFF.txt", "lost?");
        PassResult r;
        try (LogCapture log = new LogCapture(); Engine e = kw.open()) {
            r = e.runFull(Engine.PassOptions.DEFAULT);
            // as the log file shows it (LogCapture has the message before the layout escapes it)
            assertTrue(log.lines().stream().map(io.keepwatch.fs.NameText::escape).anyMatch(l -> l.startsWith("ERROR FAILED: src/bad\\xff.txt: ")
                    && l.contains("not valid UTF-8")), log.lines().toString());
            assertFalse(log.lines().stream().anyMatch(l -> l.contains("vanished")), log.lines().toString());
        }
        assertFalse(r.complete());
        assertEquals(1, r.counts().failed(), r.counts().summary());
        assertEquals("1 backed up, 0 updated, 0 duplicates, 0 deleted, 0 unchanged, 1 failed", r.counts().summary());
        assertEquals("fine", Files.readString(kw.backup().resolve("src/ok.txt")));
    }
}
