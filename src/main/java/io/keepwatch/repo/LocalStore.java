package io.keepwatch.repo;

import io.keepwatch.fs.DirectIo;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A repository in a folder (another disk, a USB stick, a NAS mount). An object is written to a private temp
 * file in {@code tmp/}, fsynced, and then linked to its final name, which fails if the name exists, so an
 * object is never replaced and a final name never holds a partial object; where hard links are not supported
 * (FAT, some network shares) it is renamed after a check that the name is free. The folder is synced after
 * each object. Folders are made 0700 and files 0600 from creation. Symbolic links inside are not followed.
 *
 * <p>Packs ({@link #putNew}) are written and fsynced on a writer thread while the caller fills the next pack, at
 * most {@link #PACKS_IN_FLIGHT} at once (the caller waits beyond that, which bounds the memory): a push spent
 * a large part of its time waiting on the write and fsync of each pack, with the readers and sealers stalled
 * behind it. A failed write is thrown by the next {@link #putNew} or by {@link #awaitPuts}, which the
 * repository calls before any index object that could name the pack.
 *
 * <p>Over 400 lines (about 435) because it is the whole local-folder store: the BlobStore operations, temp + fsync +
 * link for every object, and the direct (O_DIRECT) pack writes with their fallback; the direct writes (their
 * per-thread buffers and the fallback switch; O_DIRECT's alignment rules are {@link DirectIo}'s) are the next part
 * that could stand alone, as the push's reads did in {@link DirectReads}.
 */
public final class LocalStore implements BlobStore {
    private static final Logger log = LoggerFactory.getLogger(LocalStore.class);
    private static final int WRITE = 1 << 20;
    /** Packs queued or being written at once (restic writes two at a time to a local repository). */
    static final int PACKS_IN_FLIGHT = 2;
    private final Path root;
    private final BackgroundPuts puts = new BackgroundPuts(PACKS_IN_FLIGHT, "keepwatch-pack-writer");

    public LocalStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public boolean putIfAbsent(String name, byte[] data) throws IOException {
        return putIfAbsent(name, List.of(data));
    }

    /** {@link #putIfAbsent(String, byte[])} of the object made of {@code parts} one after another. */
    private boolean putIfAbsent(String name, List<byte[]> parts) throws IOException {
        Path target = path(name);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Path tmpDir = root.resolve("tmp");
        Private.ensureDir(root, tmpDir);
        Private.ensureDir(root, target.getParent());
        Path temp = tmpDir.resolve(UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = Private.createFile(temp)) {
                if (!(BlobStore.size(parts) >= DIRECT_WRITE_MIN && directWrites && writeDirect(temp, ch, parts))) {
                    write(ch, parts);
                }
                ch.force(true);
            }
            boolean placed = place(temp, target);
            if (placed) {
                Private.syncDir(target.getParent());
            }
            return placed;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Writes the parts one after another in slices of at most 1 MiB, gathering small parts into one write: Java copies
     * heap arrays into a temporary native buffer of the write's size before the kernel copies them again; 1 MiB stays
     * in the CPU's cache between the two, a 20 MiB pack did not, and a pack of many small blobs takes few calls.
     */
    private static void write(FileChannel ch, List<byte[]> parts) throws IOException {
        List<ByteBuffer> group = new ArrayList<>();
        int grouped = 0;
        for (byte[] p : parts) {
            for (int off = 0; off < p.length; ) {
                int n = Math.min(WRITE - grouped, p.length - off);
                group.add(ByteBuffer.wrap(p, off, n));
                grouped += n;
                off += n;
                if (grouped == WRITE || group.size() == MAX_GATHER) {
                    writeFully(ch, group);
                    grouped = 0;
                }
            }
        }
        writeFully(ch, group);
    }

    /** Objects from this size on (packs) are written with O_DIRECT where that works; smaller ones through the page cache. */
    static final long DIRECT_WRITE_MIN = 1 << 20;
    /** Whether {@link #writeDirect} is tried: true until it fails where a plain write of the same object works. */
    private volatile boolean directWrites = true;
    /** One aligned buffer per writer thread for {@link #writeDirect}. */
    private final ThreadLocal<ByteBuffer> directBuffers = ThreadLocal.withInitial(() -> DirectIo.alignedBuffer(WRITE));
    /** Opens the temp file a second time for direct writes (a seam for tests). */
    interface DirectOpen {
        FileChannel open(Path file) throws IOException;
    }

    private DirectOpen directOpen = f -> DirectIo.open(f, StandardOpenOption.WRITE);

    /** Replaces how {@link #writeDirect} opens the temp file (tests: a file system that refuses direct writes). */
    LocalStore directOpen(DirectOpen open) {
        this.directOpen = open;
        return this;
    }

    /** Whether packs are still written with O_DIRECT (false once a direct write failed where a plain one worked). */
    boolean directWrites() {
        return directWrites;
    }

    /**
     * Writes the parts into {@code temp} (opened as {@code ch}) with O_DIRECT: copied into an aligned buffer of the
     * thread and written a MiB at a time from there, the last block padded with zeros, which {@code ch} then cuts
     * off. Through the page cache the kernel copied every byte of a pack into a cache page (allocated, later written
     * back and evicted), after the JDK had copied it into its temporary native buffer: that page-cache copy was 12%
     * of a first push's CPU samples (perf, data set A); direct, the disk's DMA reads the buffer. The caller fsyncs
     * {@code ch} as before (it also makes the file's size and blocks durable). Returns false, with the file empty,
     * where direct writes fail (a file system without O_DIRECT, such as tmpfs before Linux 6.6 or some FUSE and
     * network ones): that object and every later one are then written through the cache.
     */
    private boolean writeDirect(Path temp, FileChannel ch, List<byte[]> parts) throws IOException {
        long pos = 0;
        try (FileChannel d = directOpen.open(temp)) {
            ByteBuffer buf = directBuffers.get().clear();
            for (byte[] p : parts) {
                for (int off = 0; off < p.length; ) {
                    int n = Math.min(buf.remaining(), p.length - off);
                    buf.put(p, off, n);
                    off += n;
                    if (!buf.hasRemaining()) {
                        pos += writeBlocks(d, buf, pos);
                    }
                }
            }
            long size = pos + buf.position();
            if (buf.position() > 0) {
                while (buf.position() % DirectIo.ALIGN != 0) {
                    buf.put((byte) 0);
                }
                writeBlocks(d, buf, pos);
            }
            ch.truncate(size);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            if (pos > 0) {
                throw e; // direct writes worked on this file: a real write error
            }
            ch.truncate(0);
            directWrites = false;
            log.debug("{}: direct writes fail here ({}); writing packs through the page cache", root, e.toString());
            return false;
        }
    }

    /** Writes the buffer's content (whole blocks) at {@code pos}; returns how many bytes. */
    private static int writeBlocks(FileChannel d, ByteBuffer buf, long pos) throws IOException {
        buf.flip();
        int n = buf.remaining();
        while (buf.hasRemaining()) {
            d.write(buf, pos + n - buf.remaining());
        }
        buf.clear();
        return n;
    }

    /** Parts of one gathering write at most (Linux takes 1024). */
    private static final int MAX_GATHER = 256;

    private static void writeFully(FileChannel ch, List<ByteBuffer> group) throws IOException {
        ByteBuffer[] bufs = group.toArray(new ByteBuffer[0]);
        for (int first = 0; first < bufs.length; ) {
            ch.write(bufs, first, bufs.length - first);
            while (first < bufs.length && !bufs[first].hasRemaining()) {
                first++;
            }
        }
        group.clear();
    }

    @Override
    public void putNew(String name, byte[] data) throws IOException {
        putNew(name, List.of(data));
    }

    /** Writes the parts as they are, on a writer thread (no array of the whole object is made). */
    @Override
    public void putNew(String name, List<byte[]> parts) throws IOException {
        BlobStore.checkName(name);
        puts.submit(name, () -> {
            if (!putIfAbsent(name, parts)) {
                throw new java.nio.file.FileAlreadyExistsException(describe() + ": " + name + " already exists (random ids collided?)");
            }
        });
    }

    @Override
    public void awaitPuts() throws IOException {
        puts.await();
    }

    private static boolean place(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            try {
                Files.move(temp, target);
                return true;
            } catch (FileAlreadyExistsException x) {
                return false;
            }
        }
    }

    @Override
    public byte[] get(String name) throws IOException {
        Path p = path(name);
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new IOException(name + ": object too large (" + size + " bytes)");
            }
            return read(ch, 0, (int) size, name);
        }
    }

    /**
     * Reads the whole file into a direct buffer, bypassing the page cache (O_DIRECT) where the folder's file system
     * allows it: the disk's DMA fills the buffer, with no copy out of the page cache and no page-cache pages to
     * allocate and evict. check --read-data, the one caller, reads each pack once: through the page cache that copy
     * was about a third of its CPU (1 GiB read whole: 0.3-0.7 s of CPU through the cache, 0.1 s direct), and it
     * pushed everything else out of the cache. It also reads what is on the disk, not a cached copy. Where direct
     * reads fail (some network or FUSE file systems, tmpfs before Linux 6.6, an alignment the JDK refuses), the object is read again
     * through the cache, and so is every later one once that worked: the bytes, and every error a plain read
     * reports, are the same either way.
     */
    @Override
    public ByteBuffer get(String name, ByteBuffer reuse) throws IOException {
        Path file = path(name);
        if (directReads) {
            try {
                return readDirect(file, name, reuse);
            } catch (IOException | UnsupportedOperationException e) {
                ByteBuffer b = readCached(file, name, reuse);
                directReads = false;
                log.debug("{}: direct reads fail here ({}); reading through the page cache", root, e.toString());
                return b;
            }
        }
        return readCached(file, name, reuse);
    }

    /** Whether {@link #get} tries direct reads: true until one fails where a cached read of the same object works. */
    private volatile boolean directReads = true;

    @Override
    public ByteBuffer buffer(int capacity) {
        return DirectIo.alignedBuffer(DirectIo.roundUp(capacity));
    }

    private static ByteBuffer readDirect(Path file, String name, ByteBuffer reuse) throws IOException {
        try (FileChannel ch = DirectIo.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 2L * DirectIo.ALIGN) {
                throw new IOException(name + ": object too large (" + size + " bytes)");
            }
            int whole = DirectIo.roundUp(size);
            ByteBuffer b = reuse != null && reuse.isDirect() && reuse.capacity() >= whole && reuse.alignmentOffset(0, DirectIo.ALIGN) == 0
                    ? reuse.clear() : DirectIo.alignedBuffer(whole);
            b.limit(whole);
            long pos = 0;
            while (pos < size) {
                int r = ch.read(b, pos); // whole blocks; the last read is short at the end of the file
                if (r < 0) {
                    throw new EOFException(name + ": ends at " + pos + " bytes, before " + size);
                }
                pos += r;
            }
            return b.limit((int) size).position(0);
        }
    }

    /** Reads the file through the page cache straight into a direct buffer: no heap array, no copy through the JDK's temporary direct buffer. */
    private static ByteBuffer readCached(Path file, String name, ByteBuffer reuse) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new IOException(name + ": object too large (" + size + " bytes)");
            }
            ByteBuffer b = reuse != null && reuse.isDirect() && reuse.capacity() >= size ? reuse.clear()
                    : ByteBuffer.allocateDirect((int) size);
            b.limit((int) size);
            long pos = 0;
            while (b.hasRemaining()) {
                int r = ch.read(b, pos);
                if (r < 0) {
                    throw new EOFException(name + ": ends at " + pos + " bytes, before " + size);
                }
                pos += r;
            }
            return b.flip();
        }
    }

    @Override
    public byte[] getRange(String name, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(path(name), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return read(ch, offset, length, name);
        }
    }

    private static byte[] read(FileChannel ch, long offset, int length, String name) throws IOException {
        byte[] out = new byte[length];
        ByteBuffer b = ByteBuffer.wrap(out);
        long pos = offset;
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new EOFException("ends at " + pos + " bytes, before " + (offset + length));
            }
            pos += r;
        }
        return out;
    }

    @Override
    public List<Entry> list(String prefix) throws IOException {
        List<Entry> out = new ArrayList<>();
        walk(root, "", prefix, out);
        out.sort(java.util.Comparator.comparing(Entry::name));
        return out;
    }

    private void walk(Path dir, String rel, String prefix, List<Entry> out) throws IOException {
        DirectoryStream<Path> ds;
        try {
            ds = Files.newDirectoryStream(dir);
        } catch (NoSuchFileException e) {
            return;
        }
        try (ds) {
            for (Path p : ds) {
                String name = rel + p.getFileName().toString();
                if (rel.isEmpty() && name.equals("tmp")) {
                    continue;
                }
                if (!prefix.startsWith(name + "/") && !(name + "/").startsWith(prefix) && !name.startsWith(prefix)) {
                    continue;
                }
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (a.isDirectory()) {
                    walk(p, name + "/", prefix, out);
                } else if (a.isRegularFile() && name.startsWith(prefix)) {
                    out.add(new Entry(name, a.size()));
                }
            }
        }
    }

    @Override
    public Optional<Long> stat(String name) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path(name), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? Optional.of(a.size()) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String name) throws IOException {
        Path p = path(name);
        if (Files.deleteIfExists(p)) {
            Private.syncDir(p.getParent());
        }
    }

    @Override
    public void create() throws IOException {
        Private.ensureTop(root);
    }

    @Override
    public String describe() {
        return root.toString();
    }

    /** Waits for the packs being written (so none is left half written in {@code tmp/}), without reporting their failures. */
    @Override
    public void close() {
        puts.close();
    }

    private Path path(String name) {
        return io.keepwatch.state.BackupLayout.resolve(root, BlobStore.checkName(name));
    }
}
