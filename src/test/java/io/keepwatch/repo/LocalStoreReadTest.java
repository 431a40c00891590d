package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-object reads ({@link LocalStore#get(String, ByteBuffer)}, check --read-data's packs): the same bytes whether
 * they bypass the page cache (a folder on disk) or not (jimfs, which ignores the option),
 * whatever the object's size against the block size and whatever buffer is handed back for reuse.
 */
class LocalStoreReadTest {
    private static final int[] SIZES = {0, 1, 4095, 4096, 4097, 3 * 4096 + 5, (1 << 20) + 7, 100, 2 * 4096};

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Puts objects of every size, then reads them back with one reused buffer, largest, smallest and in between. */
    private static void readsBackEveryObjectExactly(LocalStore store) throws IOException {
        for (int size : SIZES) {
            assertEquals(true, store.putIfAbsent("data/o" + size, bytes(size, size)));
        }
        ByteBuffer reuse = null;
        for (int round = 0; round < 2; round++) {
            for (int size : SIZES) {
                ByteBuffer b = store.get("data/o" + size, reuse);
                assertEquals(0, b.position());
                assertEquals(size, b.remaining(), "object of " + size + " bytes");
                byte[] got = new byte[size];
                b.get(0, got);
                assertArrayEquals(bytes(size, size), got, "object of " + size + " bytes");
                reuse = b;
            }
        }
        ByteBuffer last = reuse;
        assertThrows(NoSuchFileException.class, () -> store.get("data/missing", last));
    }

    @Test
    void aFolderOnDiskReadsBackEveryObject(@TempDir Path dir) throws IOException {
        try (LocalStore store = new LocalStore(dir.resolve("repo"))) {
            store.create();
            readsBackEveryObjectExactly(store);
        }
    }

    @Test
    void jimfsReadsBackEveryObject() throws IOException {
        try (FileSystem fs = TestFs.unix(); LocalStore store = new LocalStore(fs.getPath("/repo"))) {
            store.create();
            readsBackEveryObjectExactly(store);
        }
    }
}
