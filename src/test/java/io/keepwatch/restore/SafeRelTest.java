package io.keepwatch.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SafeRelTest {
    @Test
    void aBackslashIsAPlainCharacterOnLinuxAndASeparatorOnWindows() throws Exception {
        // Regression: restore refused a Linux file named back\slash.txt that the backup had taken.
        try (FileSystem unix = Jimfs.newFileSystem(Configuration.unix()); FileSystem windows = Jimfs.newFileSystem(Configuration.windows())) {
            assertEquals(Optional.empty(), SafeRel.problem("dir/back\\slash.txt", unix.getPath("/restore")));
            assertTrue(SafeRel.problem("dir/..\\..\\evil.txt", windows.getPath("C:\\restore")).isPresent());
            assertTrue(SafeRel.problem("dir/back\\slash.txt", windows.getPath("C:\\restore")).isPresent());
        }
    }

    @Test
    void namesThatLeaveTheFolderAreRefusedEverywhere() throws Exception {
        try (FileSystem unix = Jimfs.newFileSystem(Configuration.unix())) {
            for (String bad : new String[] {"../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a/b\0c"}) {
                assertTrue(SafeRel.problem(bad, unix.getPath("/restore")).isPresent(), bad);
            }
        }
    }
}
