package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem-wide flush used for large batches: available on Linux's default filesystem, nowhere else. */
class RealFsSyncTest {
    @TempDir
    Path tmp;

    @Test
    void syncfsWorksOnLinuxDefaultFilesystem() throws Exception {
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).equals("linux");
        assertEquals(linux, RealFs.forFileSystem(FileSystems.getDefault()).syncFileSystem(tmp));
    }

    @Test
    void notOnAnInMemoryFilesystem() throws Exception {
        try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix())) {
            assertFalse(RealFs.forFileSystem(jimfs).syncFileSystem(jimfs.getPath("/")));
        }
    }
}
