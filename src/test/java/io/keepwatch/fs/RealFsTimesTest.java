package io.keepwatch.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RealFs#setFileTimes} on a real folder (one {@code utimensat} on Linux): the times a copy gets are exactly
 * the source's, to the nanosecond; a symbolic link is never followed; a missing file is an error naming it.
 */
class RealFsTimesTest {
    private final RealFs fs = new RealFs(true, ms -> { });

    @Test
    void aFileGetsBothTimesToTheNanosecond(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("a.txt"), "a");
        FileTime mtime = FileTime.from(1_600_000_000_123_456_789L, TimeUnit.NANOSECONDS);
        FileTime atime = FileTime.from(1_500_000_000_987_654_321L, TimeUnit.NANOSECONDS);
        fs.setFileTimes(f, mtime, atime);
        assertEquals(mtime, Files.getLastModifiedTime(f));
        assertEquals(atime, Files.getAttribute(f, "lastAccessTime"));
        FileTime before1970 = FileTime.from(-1_000_000_001L, TimeUnit.NANOSECONDS);
        fs.setFileTimes(f, before1970, atime);
        assertEquals(before1970, Files.getLastModifiedTime(f));
    }

    @Test
    void aNameThatIsNotUtf8IsSetToo(@TempDir Path tmp) throws Exception {
        Path f = FileNames.resolve(tmp, "caf\uDCE9.txt");
        Files.writeString(f, "x");
        FileTime mtime = FileTime.from(1_600_000_000_5L, TimeUnit.NANOSECONDS);
        fs.setFileTimes(f, mtime, mtime);
        assertEquals(mtime, Files.getLastModifiedTime(f));
    }

    @Test
    void aSymbolicLinkIsNotFollowed(@TempDir Path tmp) throws Exception {
        Path target = Files.writeString(tmp.resolve("target.txt"), "t");
        FileTime targetTime = Files.getLastModifiedTime(target);
        Path link = Files.createSymbolicLink(tmp.resolve("link"), target);
        FileTime mtime = FileTime.from(1_600_000_000L, TimeUnit.SECONDS);
        fs.setFileTimes(link, mtime, mtime);
        assertEquals(targetTime, Files.getLastModifiedTime(target), "the link's target is left alone");
        assertEquals(mtime, Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aMissingFileIsAnErrorNamingIt(@TempDir Path tmp) {
        Path gone = tmp.resolve("gone.txt");
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> fs.setFileTimes(gone, FileTime.fromMillis(0), FileTime.fromMillis(0)));
        assertTrue(e.getMessage().contains(gone.toString()), e.getMessage());
    }
}
