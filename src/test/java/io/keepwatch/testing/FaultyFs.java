package io.keepwatch.testing;

import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * An {@link Fs} that passes every call to a real one, except the faults a test arms: an exception when a
 * matching path is opened or written, or a simulated crash (an Error that unwinds everything, like the
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
        return super.createNew(file);
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
