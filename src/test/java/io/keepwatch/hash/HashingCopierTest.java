package io.keepwatch.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.fs.Fs;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.FileFacts;
import io.keepwatch.testing.FaultyFs;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Copies of large files go through the kernel and are hashed back from the copy; these check, on a real folder
 * and on jimfs, that the bytes, the hash and the mtime are those of the source, that runs of zeros stay holes,
 * and that a file changing during such a copy is still caught.
 */
class HashingCopierTest {
    private static final int MIB = 1 << 20;

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static void assertCopied(Fs fs, Path dir, byte[] content) throws Exception {
        Path src = dir.resolve("big.bin");
        Files.write(src, content);
        Path temp = dir.resolve("big.bin.staged");
        FileFacts facts = new HashingCopier(fs, HashAlgorithm.SHA256).copy(src, temp);
        assertArrayEquals(content, Files.readAllBytes(temp));
        assertEquals(sha256(content), facts.hash());
        assertEquals(content.length, facts.size());
        assertEquals(Files.getLastModifiedTime(src), Files.getLastModifiedTime(temp));
    }

    /** Random data, a whole block of zeros at a block boundary, more data, and a tail shorter than a block. */
    private static byte[] largeWithZeroBlock() {
        byte[] b = random(21 * MIB + 12345, 7);
        java.util.Arrays.fill(b, 10 * MIB, 11 * MIB, (byte) 0);
        return b;
    }

    @Test
    void aLargeFileIsCopiedExactlyAndItsHashIsThatOfTheCopy(@TempDir Path tmp) throws Exception {
        Fs fs = new RealFs(false, ms -> { });
        assertCopied(fs, tmp, random((int) HashingCopier.KERNEL_COPY_MIN, 1));
        Files.delete(tmp.resolve("big.bin.staged"));
        assertCopied(fs, tmp, random(3 * (int) HashingCopier.KERNEL_COPY_MIN + 1, 2));
        Files.delete(tmp.resolve("big.bin.staged"));
        assertCopied(fs, tmp, largeWithZeroBlock());
    }

    @Test
    void theSameOnJimfs() throws Exception {
        try (FileSystem jimfs = TestFs.unix()) {
            Path dir = Files.createDirectories(jimfs.getPath("/data"));
            Fs fs = new RealFs(false, ms -> { });
            assertCopied(fs, dir, largeWithZeroBlock());
            Files.delete(dir.resolve("big.bin.staged"));
            assertCopied(fs, dir, random(5 * MIB, 3));
        }
    }

    @Test
    void aLargeFileThatStartsWithZerosStaysSparse(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("disk.img");
        try (var f = new java.io.RandomAccessFile(src.toFile(), "rw")) {
            f.setLength(64L * MIB);
            f.seek(40L * MIB);
            f.write(random(3 * MIB, 4));
        }
        Path temp = tmp.resolve("disk.img.staged");
        FileFacts facts = new HashingCopier(new RealFs(false, ms -> { }), HashAlgorithm.SHA256).copy(src, temp);
        assertEquals(sha256(Files.readAllBytes(src)), facts.hash());
        assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(temp));
        long allocated = allocatedBytes(temp);
        assertTrue(allocated < 16L * MIB, "the copy takes " + allocated + " bytes on disk");
    }

    /**
     * Below the kernel-copy size: a file whose last block is all zeros still gets its full length (the copy asks for its
     * size only then), and a small file gets its bytes, mtime, access time and permission bits.
     */
    @Test
    void aCopyEndingInAHoleKeepsItsLengthAndASmallOneItsTimesAndMode(@TempDir Path tmp) throws Exception {
        HashingCopier copier = new HashingCopier(new RealFs(false, ms -> { }), HashAlgorithm.SHA256);
        byte[] tailOfZeros = new byte[2 * MIB];
        System.arraycopy(random(MIB, 5), 0, tailOfZeros, 0, MIB);
        Path src = tmp.resolve("tail.bin");
        Files.write(src, tailOfZeros);
        FileFacts facts = copier.copy(src, tmp.resolve("tail.staged"));
        assertEquals(2L * MIB, Files.size(tmp.resolve("tail.staged")));
        assertArrayEquals(tailOfZeros, Files.readAllBytes(tmp.resolve("tail.staged")));
        assertEquals(sha256(tailOfZeros), facts.hash());

        Path small = tmp.resolve("small.txt");
        byte[] content = random(700, 6);
        Files.write(small, content);
        Files.setLastModifiedTime(small, java.nio.file.attribute.FileTime.fromMillis(1_600_000_000_123L));
        Files.setAttribute(small, "lastAccessTime", java.nio.file.attribute.FileTime.fromMillis(1_600_000_100_000L));
        Files.setPosixFilePermissions(small, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        Path copy = tmp.resolve("small.staged");
        facts = copier.copy(small, copy);
        // The times before the copy is read back: under relatime that read sets its access time anew when the clock
        // ticked since the copy got its times (its change time is then later than its access time).
        assertEquals(Files.getLastModifiedTime(small), Files.getLastModifiedTime(copy));
        assertEquals(Files.getAttribute(small, "lastAccessTime"), Files.getAttribute(copy, "lastAccessTime"));
        assertArrayEquals(content, Files.readAllBytes(copy));
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
        assertEquals("rw-r-----", facts.perms());
    }

    private static long allocatedBytes(Path file) throws Exception {
        Process p = new ProcessBuilder("du", "-k", "--", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return Long.parseLong(out.split("\\s+")[0]) * 1024;
    }

    @Test
    void aLargeFileThatChangesWhileCopiedIsCaughtAndTriedAgain(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("big.bin");
        byte[] first = random(6 * MIB, 5);
        Files.write(src, first);
        AtomicInteger opens = new AtomicInteger();
        byte[] second = random(6 * MIB + 1, 6);
        FaultyFs fs = new FaultyFs(new RealFs(false, ms -> { })).afterOpenSource(() -> {
            if (opens.incrementAndGet() == 1) {
                try {
                    Files.write(src, second); // a writer rewrites it (and makes it one byte longer) under the copy
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        Path temp = tmp.resolve("big.bin.staged");
        FileFacts facts = new HashingCopier(fs, HashAlgorithm.SHA256).copy(src, temp);
        assertEquals(2, opens.get(), "the first copy was torn and is made again");
        assertEquals(sha256(second), facts.hash());
        assertArrayEquals(second, Files.readAllBytes(temp));
    }

    /** A small file is read as far as its size, without a read to find its end: one that grows under it is caught. */
    @Test
    void aSmallFileThatGrowsWhileCopiedIsCaughtAndTriedAgain(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("small.txt");
        Files.write(src, random(700, 3));
        byte[] longer = random(701, 4);
        AtomicInteger opens = new AtomicInteger();
        FaultyFs fs = new FaultyFs(new RealFs(false, ms -> { })).afterOpenSource(() -> {
            if (opens.incrementAndGet() == 1) {
                try {
                    Files.write(src, longer);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        });
        Path temp = tmp.resolve("small.staged");
        FileFacts facts = new HashingCopier(fs, HashAlgorithm.SHA256).copy(src, temp);
        assertEquals(2, opens.get(), "the first copy was torn and is made again");
        assertEquals(701, facts.size());
        assertEquals(sha256(longer), facts.hash());
        assertArrayEquals(longer, Files.readAllBytes(temp));
    }

    @Test
    void aLargeFileThatNeverStopsChangingFailsAndLeavesNoCopy(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("big.bin");
        Files.write(src, random(5 * MIB, 8));
        AtomicInteger opens = new AtomicInteger();
        FaultyFs fs = new FaultyFs(new RealFs(false, ms -> { })).afterOpenSource(() -> {
            try {
                Files.write(src, random(5 * MIB + opens.incrementAndGet(), 9));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Path temp = tmp.resolve("big.bin.staged");
        FileChangedException e = assertThrows(FileChangedException.class, () -> new HashingCopier(fs, HashAlgorithm.SHA256).copy(src, temp));
        assertTrue(e.getMessage().contains("changed while being read"), e.getMessage());
        assertFalse(Files.exists(temp));
    }

    @Test
    void aCopyWhoseTimeOrModeCannotBeSetFailsNamingItAndLeavesNoTempFile() throws Exception {
        try (FileSystem jimfs = TestFs.unix()) {
            Path dir = Files.createDirectories(jimfs.getPath("/data"));
            Path src = dir.resolve("a.txt");
            Files.writeString(src, "content");
            Path temp = dir.resolve("a.txt.staged");
            FaultyFs fs = new FaultyFs(new RealFs(false, ms -> { }));
            HashingCopier copier = new HashingCopier(fs, HashAlgorithm.SHA256);
            fs.failSetAttributes(FaultyFs.when(temp::equals,
                    p -> new java.nio.file.AccessDeniedException(p.toString(), null, "Operation not permitted")));
            java.nio.file.AccessDeniedException e = assertThrows(java.nio.file.AccessDeniedException.class, () -> copier.copy(src, temp));
            assertEquals(temp.toString(), e.getFile());
            assertFalse(Files.exists(temp), "no copy with the wrong time or mode is left");
            fs.failSetAttributes(FaultyFs.when(p -> false, p -> null));
            copier.copy(src, temp);
            assertEquals("content", Files.readString(temp));
            assertEquals(Files.getLastModifiedTime(src), Files.getLastModifiedTime(temp));
        }
    }

    @Test
    void aCopyOfTheBackupThatCannotBeReadBackIsNamedInTheError() throws Exception {
        try (FileSystem jimfs = TestFs.unix()) {
            Path copy = Files.createDirectories(jimfs.getPath("/backup/src")).resolve("a.txt");
            Files.writeString(copy, "content");
            FaultyFs fs = new FaultyFs(new RealFs(false, ms -> { }));
            fs.failRead(FaultyFs.when(copy::equals, p -> new IOException(p + ": Input/output error")));
            IOException e = assertThrows(IOException.class, () -> new HashingCopier(fs, HashAlgorithm.SHA256).hashOf(copy));
            assertTrue(e.getMessage().contains(copy.toString()), e.getMessage());
        }
    }
}
