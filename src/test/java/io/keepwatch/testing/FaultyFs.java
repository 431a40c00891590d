package io.keepwatch.testing;

import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An {@link Fs} that passes every call to a real one, except the faults a test arms: an exception when a
 * matching path is opened, created, written or fsynced (disk full), renamed, replaced, read, listed, deleted or has
 * its time or mode set, or a simulated crash (an Error that unwinds everything, like the
 * process dying) at the n-th operation that changes the backup root.
 */
public final class FaultyFs extends ForwardingFs {
    /** Thrown to simulate the process dying at an instant: nothing after it runs. */
    public static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        public Crash(String where) {
            super("simulated crash at " + where);
        }
    }

    /** A fault: which paths, and what to throw. */
    public interface Fault {
        void maybeThrow(Path p) throws IOException;
    }

    private volatile Fault onOpenSource = p -> { };
    private volatile Fault onCreate = p -> { };
    private volatile Fault onMove = p -> { };
    private volatile Fault onWrite = p -> { };
    private volatile Fault onReplace = p -> { };
    private volatile Fault onDelete = p -> { };
    private volatile Fault onRead = p -> { };
    private volatile Fault onList = p -> { };
    private volatile Fault onSetAttributes = p -> { };
    private volatile Runnable afterOpenSource = () -> { };
    private final AtomicInteger mutations = new AtomicInteger();
    private volatile int crashAt = -1;
    private volatile java.util.function.Function<Path, Optional<String>> device;

    public FaultyFs(Fs delegate) {
        super(delegate);
    }

    public static Fault when(Predicate<Path> which, IOExceptionFactory what) {
        return p -> {
            if (which.test(p)) {
                throw what.create(p);
            }
        };
    }

    @FunctionalInterface
    public interface IOExceptionFactory {
        IOException create(Path p);
    }

    public FaultyFs failOpenSource(Fault f) {
        onOpenSource = f;
        return this;
    }

    public FaultyFs failCreate(Fault f) {
        onCreate = f;
        return this;
    }

    public FaultyFs failMove(Fault f) {
        onMove = f;
        return this;
    }

    /** Fails writes and fsyncs to files opened for writing (created, or opened to append): a disk that fills up. */
    public FaultyFs failWrite(Fault f) {
        onWrite = f;
        return this;
    }

    /** Fails the atomic replace of a matching target (the rename of a temp file over state.json, say). */
    public FaultyFs failReplace(Fault f) {
        onReplace = f;
        return this;
    }

    /** Fails deleting a matching path ({@code delete} and {@code deleteIfExists}). */
    public FaultyFs failDelete(Fault f) {
        onDelete = f;
        return this;
    }

    /** Fails opening a matching file of keepwatch's own for reading (state, journal, change log, guard files). */
    public FaultyFs failRead(Fault f) {
        onRead = f;
        return this;
    }

    /** Fails listing a matching folder. */
    public FaultyFs failList(Fault f) {
        onList = f;
        return this;
    }

    /** Fails setting the time or permission bits of a matching path. */
    public FaultyFs failSetAttributes(Fault f) {
        onSetAttributes = f;
        return this;
    }

    /** Runs {@code r} right after a source file was opened (to change it while it is read). */
    public FaultyFs afterOpenSource(Runnable r) {
        afterOpenSource = r;
        return this;
    }

    /** Simulates a crash at the n-th (0-based) operation that changes the disk; -1 for never. */
    public FaultyFs crashAt(int n) {
        crashAt = n;
        mutations.set(0);
        return this;
    }

    /** How many disk-changing operations have run (to enumerate crash points). */
    public int mutations() {
        return mutations.get();
    }

    private void mutation(String what) {
        int n = mutations.getAndIncrement();
        if (n == crashAt) {
            throw new Crash(what + " #" + n);
        }
    }

    @Override
    public SeekableByteChannel openSource(Path file) throws IOException {
        onOpenSource.maybeThrow(file);
        SeekableByteChannel ch = super.openSource(file);
        afterOpenSource.run();
        return ch;
    }

    @Override
    public FileChannel createNew(Path file) throws IOException {
        onCreate.maybeThrow(file);
        mutation("create " + file);
        return new FaultyChannel(super.createNew(file), file, p -> onWrite.maybeThrow(p));
    }

    @Override
    public FileChannel openWrite(Path file) throws IOException {
        return new FaultyChannel(super.openWrite(file), file, p -> onWrite.maybeThrow(p));
    }

    @Override
    public InputStream newInputStream(Path file) throws IOException {
        onRead.maybeThrow(file);
        return super.newInputStream(file);
    }

    @Override
    public DirectoryStream<Path> list(Path dir) throws IOException {
        onList.maybeThrow(dir);
        return super.list(dir);
    }

    @Override
    public void delete(Path path) throws IOException {
        onDelete.maybeThrow(path);
        super.delete(path);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        onDelete.maybeThrow(path);
        return super.deleteIfExists(path);
    }

    @Override
    public void setFileTimes(Path path, FileTime lastModified, FileTime lastAccess) throws IOException {
        onSetAttributes.maybeThrow(path);
        super.setFileTimes(path, lastModified, lastAccess);
    }

    @Override
    public void setPermissions(Path path, Set<PosixFilePermission> perms) throws IOException {
        onSetAttributes.maybeThrow(path);
        super.setPermissions(path, perms);
    }

    @Override
    public void syncFile(Path file) throws IOException {
        mutation("sync " + file);
        super.syncFile(file);
    }

    @Override
    public void moveNoReplace(Path from, Path to) throws IOException {
        onMove.maybeThrow(to);
        mutation("move " + from + " -> " + to);
        super.moveNoReplace(from, to);
    }

    @Override
    public void replaceAtomically(Path from, Path to) throws IOException {
        onReplace.maybeThrow(to);
        mutation("replace " + to);
        super.replaceAtomically(from, to);
    }

    @Override
    public void createHardLink(Path link, Path existing) throws IOException {
        mutation("link " + link);
        super.createHardLink(link, existing);
    }

    /** Pretends each path is on the device {@code devices} gives for it (mount points, remounts). */
    public FaultyFs deviceOf(java.util.function.Function<Path, Optional<String>> devices) {
        device = devices;
        return this;
    }

    /** Pretends every path is on the device {@code id} (to simulate an unmounted disk). */
    public FaultyFs device(String id) {
        device = p -> Optional.of(id);
        return this;
    }

    @Override
    public Optional<String> deviceOf(Path path) throws IOException {
        java.util.function.Function<Path, Optional<String>> d = device;
        return d != null ? d.apply(path) : super.deviceOf(path);
    }
}
