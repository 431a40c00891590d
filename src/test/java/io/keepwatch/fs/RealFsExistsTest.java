package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real file system, asking about {@code x/inner.txt} when {@code x} is a file gets ENOTDIR, not "no such file"
 * (jimfs answers the latter, so the engine tests on jimfs cannot show it): that is "nothing there", as it was
 * with {@code Files.exists}; the deleted-file naming asks exactly this when a folder replaces a deleted file.
 */
class RealFsExistsTest {
    @TempDir
    Path tmp;

    private final Fs fs = new RealFs(false, ms -> { });

    @Test
    void aPathUnderAFileIsNothingThere() throws Exception {
        Files.writeString(tmp.resolve("x"), "a file");
        assertEquals(Optional.empty(), fs.attributesIfExists(tmp.resolve("x/inner.txt")));
        assertEquals(Optional.empty(), fs.attributesIfExists(tmp.resolve("x/deeper/inner.txt")));
        assertFalse(fs.exists(tmp.resolve("x/inner.txt")));
        assertFalse(fs.isDirectory(tmp.resolve("x/inner.txt")));
        assertTrue(fs.isRegularFile(tmp.resolve("x")));
    }

    @Test
    void aMissingFolderOnTheWayIsNothingThere() throws Exception {
        assertEquals(Optional.empty(), fs.attributesIfExists(tmp.resolve("none/inner.txt")));
    }
}
