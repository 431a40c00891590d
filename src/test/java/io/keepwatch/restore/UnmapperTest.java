package io.keepwatch.restore;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnmapperTest {
    @TempDir
    Path tmp;

    /** The kernel's list of this process's mappings shows the window gone right after unmap, not at some later GC. */
    @Test
    void aWindowIsGoneFromTheProcessMappingsAtOnce() throws Exception {
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "needs Linux's /proc/self/maps");
        Path file = tmp.resolve("window-probe.bin");
        Files.write(file, new byte[1 << 20]);
        MappedByteBuffer window;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            window = ch.map(FileChannel.MapMode.READ_ONLY, 0, 1 << 20);
        }
        window.get(4096);
        String real = file.toRealPath().toString();
        assertTrue(Files.readString(maps).contains(real), "mapped before unmap");

        assertTrue(Unmapper.unmap(window), "this JVM lets keepwatch unmap");
        assertFalse(Files.readString(maps).contains(real), "still mapped after unmap");
    }
}
