package io.keepwatch.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.StateStore;
import io.keepwatch.testing.MutableClock;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** verify on jimfs: every area of the backup root, hard-linked duplicates, --source scoping, planted links. */
class VerifierTest {
    private FileSystem jimfs;
    private Path src;
    private Path docs;
    private Path backup;
    private MutableClock clock;
    private RealFs fs;
    private Config config;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        src = jimfs.getPath("/data/src");
        docs = jimfs.getPath("/data/docs");
        backup = jimfs.getPath("/backup");
        clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
        fs = new RealFs(false, ms -> { });
        config = TestFs.config(jimfs.getPath("/etc"), backup, RetentionConfig.defaults(), new SourceConfig("src", src),
                new SourceConfig("docs", docs));
        TestFs.write(src.resolve("a.txt"), "alpha");
        TestFs.write(src.resolve("dup.txt"), "alpha");
        TestFs.write(src.resolve("gone.txt"), "bye");
        TestFs.write(docs.resolve("d.txt"), "delta");
        pass();
        TestFs.write(src.resolve("a.txt"), "alpha two");
        Files.delete(src.resolve("gone.txt"));
        pass();
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    private void pass() throws Exception {
        try (Engine e = Engine.open(config, fs, clock, Progress.NONE)) {
            assertTrue(e.runFull(Engine.PassOptions.DEFAULT).complete());
        }
        clock.advance(Duration.ofMinutes(1));
    }

    private BackupState state() throws Exception {
        return new StateStore(new BackupLayout(backup), fs, clock).load().orElseThrow();
    }

    private VerifyReport verify(Optional<String> source) throws Exception {
        return new Verifier(new BackupLayout(backup), fs, Progress.NONE, 2).verify(state(), source);
    }

    @Test
    void intactBackupWithEveryKindOfFileMatches() throws Exception {
        BackupState s = state();
        LiveFile dup = s.live(new FileRef("src", "dup.txt")).orElseThrow();
        assertEquals("src/a.txt", dup.duplicateOf()); // a.txt was edited since, so its duplicate kept the old content
        AtomicLong progressed = new AtomicLong();
        Progress counting = new Progress() {
            @Override
            public void advance(long units) {
                progressed.addAndGet(units);
            }
        };
        VerifyReport r = new Verifier(new BackupLayout(backup), fs, counting, 2).verify(s, Optional.empty());
        assertEquals(List.of(), r.problems());
        // src/a.txt, versions/src/a.txt/v1.bak, _duplicates/src/dup.txt, _deleted/src/gone.txt, docs/d.txt
        assertEquals(5, r.checked());
        assertEquals(9 + 5 + 5 + 3 + 5, r.bytes());
        assertEquals(r.bytes(), progressed.get());
    }

    @Test
    void eachAreaIsCheckedAndSourceNarrowsTheWalk() throws Exception {
        Files.writeString(backup.resolve("_duplicates/src/dup.txt.new"), "stray in duplicates");
        Files.delete(backup.resolve("_deleted/src/gone.txt"));
        Files.writeString(backup.resolve("docs/d.txt"), "DELTA");
        Files.writeString(backup.resolve("stray-at-top"), "x");
        Files.createDirectories(backup.resolve("versions/nosuchsource"));
        Files.writeString(backup.resolve("versions/nosuchsource/v1.bak"), "x");
        Files.createSymbolicLink(backup.resolve("src/link"), jimfs.getPath("/etc"));
        Files.writeString(backup.resolve(".keepwatch/whatever"), "private: ignored");
        Files.writeString(backup.resolve("state.json.tmp"), "ignored");
        Files.writeString(backup.resolve("src/.keepwatch-18c-2a-7.tmp"), "a copy staged by a pass under way: ignored");
        Files.writeString(backup.resolve("src/.keepwatch-18c-2a-7.tmp.txt"), "not a staged copy's name");

        List<String> all = verify(Optional.empty()).problems().stream().map(VerifyReport.Problem::toString).toList();
        assertEquals(List.of(
                "MISSING _deleted/src/gone.txt (deleted copy of src/gone.txt (deleted 2026-03-01T10:01:00Z))",
                "UNEXPECTED _duplicates/src/dup.txt.new: a file that state.json does not know",
                "CORRUPTED docs/d.txt (current copy of docs/d.txt): content hashes to "
                        + "sha256:" + sha256("DELTA") + " (5 bytes), state.json records sha256:" + sha256("delta") + " (5 bytes)",
                "UNEXPECTED src/.keepwatch-18c-2a-7.tmp.txt: a file that state.json does not know",
                "UNEXPECTED src/link: a symbolic link that state.json does not know",
                "UNEXPECTED stray-at-top: a file that state.json does not know",
                "UNEXPECTED versions/nosuchsource/v1.bak: a file that state.json does not know"), all);

        List<String> onlySrc = verify(Optional.of("src")).problems().stream().map(VerifyReport.Problem::path).toList();
        assertEquals(List.of("_deleted/src/gone.txt", "_duplicates/src/dup.txt.new", "src/.keepwatch-18c-2a-7.tmp.txt", "src/link"), onlySrc);
    }

    @Test
    void aStateEntryPointingOutsideTheBackupRootIsAnErrorNotARead() throws Exception {
        BackupState s = state();
        LiveFile a = s.live(new FileRef("src", "a.txt")).orElseThrow();
        s.putLive(new FileRef("src", "../../etc/secret"), a);
        Files.createDirectories(jimfs.getPath("/etc"));
        Files.writeString(jimfs.getPath("/etc/secret"), "alpha two");
        VerifyReport r = new Verifier(new BackupLayout(backup), fs, Progress.NONE, 2).verify(s, Optional.empty());
        assertEquals(List.of("ERROR src/../../etc/secret (current copy of src/../../etc/secret): state.json entry refused: "
                + "current copy of src/../../etc/secret: '..' in path"), r.problems().stream().map(Object::toString).toList());
    }

    @Test
    void aLargeFileIsHashedTheSameWhetherDirectReadsWorkOrNot() throws Exception {
        // 5 MiB + 1234 bytes: past the size at which files are read directly (or mapped), ending off a 4 KiB block
        byte[] big = new byte[(5 << 20) + 1234];
        new java.util.Random(7).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        pass();
        java.util.concurrent.atomic.AtomicInteger opens = new java.util.concurrent.atomic.AtomicInteger();
        List<LargeFileHasher.DirectOpen> ways = List.of(
                LargeFileHasher.O_DIRECT, // jimfs: whatever it makes of O_DIRECT
                f -> {
                    opens.incrementAndGet();
                    throw new IOException(f + ": Invalid argument"); // a file system without O_DIRECT
                },
                f -> {
                    opens.incrementAndGet();
                    return new FirstReadFails(Files.newByteChannel(f)); // the kernel refuses the first aligned read
                });
        for (LargeFileHasher.DirectOpen way : ways) {
            VerifyReport ok = new Verifier(new BackupLayout(backup), fs, Progress.NONE, 2, way).verify(state(), Optional.empty());
            assertEquals(List.of(), ok.problems());
            assertEquals(6, ok.checked());
            assertEquals(9 + 5 + 5 + 3 + 5 + big.length, ok.bytes());
        }
        assertEquals(2, opens.get());

        byte[] tampered = big.clone();
        tampered[big.length - 3] ^= 0x10; // in the last, partial block
        Files.write(backup.resolve("src/big.bin"), tampered);
        for (LargeFileHasher.DirectOpen way : ways) {
            List<String> problems = new Verifier(new BackupLayout(backup), fs, Progress.NONE, 2, way).verify(state(), Optional.empty())
                    .problems().stream().map(Object::toString).toList();
            assertEquals(List.of("CORRUPTED src/big.bin (current copy of src/big.bin): content hashes to sha256:"
                    + sha256(tampered) + " (" + big.length + " bytes), state.json records sha256:" + sha256(big) + " ("
                    + big.length + " bytes)"), problems);
        }
    }

    /** A channel whose first positional read fails as O_DIRECT's does on a file system that refuses the alignment. */
    private static final class FirstReadFails extends java.nio.channels.FileChannel {
        private final java.nio.channels.SeekableByteChannel in;

        FirstReadFails(java.nio.channels.SeekableByteChannel in) {
            this.in = in;
        }

        @Override
        public int read(java.nio.ByteBuffer dst, long position) throws IOException {
            throw new IOException("Invalid argument");
        }

        @Override
        public int read(java.nio.ByteBuffer dst) throws IOException {
            throw new IOException("Invalid argument");
        }

        @Override
        public long read(java.nio.ByteBuffer[] dsts, int offset, int length) throws IOException {
            throw new IOException("Invalid argument");
        }

        @Override
        public int write(java.nio.ByteBuffer src) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public long write(java.nio.ByteBuffer[] srcs, int offset, int length) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public int write(java.nio.ByteBuffer src, long position) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public long position() throws IOException {
            return in.position();
        }

        @Override
        public java.nio.channels.FileChannel position(long newPosition) throws IOException {
            in.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return in.size();
        }

        @Override
        public java.nio.channels.FileChannel truncate(long size) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public void force(boolean metaData) {
        }

        @Override
        public long transferTo(long position, long count, java.nio.channels.WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(java.nio.channels.ReadableByteChannel src, long position, long count) {
            throw new java.nio.channels.NonWritableChannelException();
        }

        @Override
        public java.nio.MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.nio.channels.FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.nio.channels.FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            in.close();
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return com.google.common.io.BaseEncoding.base16().lowerCase().encode(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static String sha256(String s) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return com.google.common.io.BaseEncoding.base16().lowerCase().encode(d);
    }
}
