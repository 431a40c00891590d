package io.keepwatch.restore;

import io.keepwatch.engine.Progress;
import io.keepwatch.execute.Parallel;
import io.keepwatch.execute.StagingArea;
import io.keepwatch.fs.BackupRoot;
import io.keepwatch.fs.Fs;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Proves the backup intact: re-reads every file state.json says the backup root holds (current copies,
 * duplicates, old versions, deleted files), hashes each with the algorithm named in its stored hash, and
 * walks the backup root for files state.json does not know. Reading and hashing run on a small fixed pool
 * ({@link HashPool}), large files first, small files folder by folder; large files are read with O_DIRECT, or through
 * memory maps where the file system has no direct reads ({@link LargeFileHasher}), so resident memory stays near
 * threads x (4 MiB + {@link #BUFFER}) whatever the files' sizes;
 * small files with reads of up to {@link #BUFFER}. Reads only and takes no lock, so it runs
 * beside a working keepwatch service.
 */
public final class Verifier {
    private static final int BUFFER = 1 << 20;
    /** The updates {@link #warmUp} makes: enough for C2 at the launcher's thresholds for the digest classes. */
    private static final int WARM_UPS = 4000;

    private final BackupLayout layout;
    /** Files are read only from inside the backup root, never through a symbolic link. */
    private final BackupRoot backup;
    private final Progress progress;
    private final int threads;
    private final LargeFileHasher largeFiles;

    /**
     * @param threads reading and hashing threads: hashing a cached file is CPU-bound (one per core), but a file not in
     *     the page cache keeps its thread waiting for the disk, small files most (one wait each), so a few more than
     *     the cores keep the cores busy and the disk's queue filled ({@code VerifyCommand} uses twice the cores)
     */
    public Verifier(BackupLayout layout, Fs fs, Progress progress, int threads) {
        this(layout, fs, progress, threads, LargeFileHasher.O_DIRECT);
    }

    /** As above, with the way large files are opened for direct reads (a seam for tests). */
    Verifier(BackupLayout layout, Fs fs, Progress progress, int threads, LargeFileHasher.DirectOpen direct) {
        this.layout = layout;
        this.backup = new BackupRoot(layout.root(), fs);
        this.progress = progress;
        this.threads = Math.max(1, threads);
        this.largeFiles = new LargeFileHasher(direct);
    }

    /**
     * Has the JIT compile {@code algorithm}'s digest with the CPU's hash instructions (SHA-NI for SHA-256) before the
     * first backup file is hashed: a few thousand small updates, about 20 ms of one core, meant to run on a thread of
     * its own while state.json loads. The JVM only uses those instructions in code its optimising compiler (C2) made,
     * and that compiler has one thread here, busy with the state's loading: left to the backup files, the digest was
     * compiled seconds into a verify of data set A, which meanwhile hashed in plain Java at a fifth of the speed.
     */
    public static void warmUp(HashAlgorithm algorithm) {
        MessageDigest digest = algorithm.newDigest();
        byte[] block = new byte[256];
        for (int i = 0; i < WARM_UPS; i++) {
            digest.update(block, 0, (i & 1) == 0 ? block.length : 100); // whole blocks, and one left over for the next
            if ((i & 63) == 63) {
                digest.digest(); // the end of a file: its padding block
            }
        }
    }

    /** A file the backup must hold; its path relative to the root and its description are made only for a problem. */
    private record Expected(Path file, Timeline.Entry entry) {
        long size() {
            return entry.size();
        }
    }

    private record Outcome(Optional<VerifyReport.Problem> problem, long bytes) {
    }

    /**
     * Verifies every source in the state, or only {@code source}. Each file is queued for hashing as soon as its
     * state.json entry is read ({@link HashPool}: large files first, then in state.json's path order, folder by folder),
     * and the walk for unexpected files runs on the calling thread while the pool hashes: the three overlap.
     */
    public VerifyReport verify(BackupState state, Optional<String> source) throws IOException {
        List<VerifyReport.Problem> problems = new ArrayList<>();
        Set<Path> expected = new HashSet<>();
        List<Future<Outcome>> results = new ArrayList<>();
        List<String> sources = source.map(List::of).orElseGet(() -> new ArrayList<>(state.sourceNames()));
        for (io.keepwatch.state.QuarantinedRecord q : Selection.quarantined(state, source, Optional.empty())) {
            problems.add(new VerifyReport.Problem(VerifyReport.Kind.ERROR, q.path().isEmpty() ? q.source() : q.source() + "/" + q.path(),
                    q.kind(), "state.json record quarantined: " + q.reason()));
        }
        AtomicInteger checked = new AtomicInteger();
        LateProgress late = new LateProgress(progress);
        long total = 0;
        long bytes = 0;
        try (HashPool<Outcome> pool = new HashPool<>(threads, "keepwatch-verify")) {
            ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(BUFFER));
            for (String s : sources) {
                for (String rel : Timeline.paths(state, s)) {
                    for (Timeline.Entry e : Timeline.of(state, new FileRef(s, rel))) {
                        Expected x;
                        try {
                            x = new Expected(e.file(layout), e);
                        } catch (UnsafePathException u) {
                            problems.add(new VerifyReport.Problem(VerifyReport.Kind.ERROR, s + "/" + rel, e.describe(),
                                    "state.json entry refused: " + u.getMessage()));
                            continue;
                        }
                        expected.add(x.file());
                        total += x.size();
                        results.add(pool.submit(() -> check(x, buffers.get(), checked, late), x.size() >= LargeFileHasher.THRESHOLD ? x.size() : 0));
                    }
                }
            }
            late.begin("verifying", total);
            try {
                for (Path area : areas(sources, source.isEmpty())) {
                    findUnexpected(area, expected, problems);
                }
                for (Future<Outcome> f : results) {
                    Outcome o = Parallel.get(f);
                    bytes += o.bytes();
                    o.problem().ifPresent(problems::add);
                }
            } finally {
                late.end();
            }
        }
        problems.sort(Comparator.comparing(VerifyReport.Problem::path).thenComparing(VerifyReport.Problem::kind));
        return new VerifyReport(checked.get(), bytes, problems);
    }

    private Outcome check(Expected x, ByteBuffer buf, AtomicInteger checked, Progress progress) {
        String hash = x.entry().hash();
        Optional<HashAlgorithm> algorithm = HashAlgorithm.ofStoredHash(hash);
        if (algorithm.isEmpty()) {
            return problem(VerifyReport.Kind.ERROR, x, "state.json records the hash '" + hash + "' of an unknown algorithm", 0);
        }
        BasicFileAttributes attrs;
        try {
            Optional<BasicFileAttributes> a = backup.attributes(x.file());
            if (a.isEmpty()) {
                return problem(VerifyReport.Kind.MISSING, x, "", 0);
            }
            attrs = a.get();
        } catch (io.keepwatch.fs.UnsafePathException e) {
            return problem(VerifyReport.Kind.ERROR, x, "not read: " + e.getFile() + " " + e.getReason(), 0);
        } catch (IOException e) {
            return problem(VerifyReport.Kind.ERROR, x, "cannot read: " + Parallel.reason(e), 0);
        }
        if (!attrs.isRegularFile()) {
            return problem(VerifyReport.Kind.MISSING, x, attrs.isSymbolicLink() ? "a symbolic link is there instead"
                    : "something other than a regular file is there", 0);
        }
        MessageDigest digest = algorithm.get().newDigest();
        long n = 0;
        try {
            n = attrs.size() >= LargeFileHasher.THRESHOLD ? largeFiles.hash(backup.check(x.file()), this::openMappable, digest,
                    buf.array(), progress) : -1;
            if (n < 0) {
                digest.reset();
                n = 0;
                try (SeekableByteChannel in = backup.openRead(x.file())) {
                    while (true) {
                        buf.clear();
                        int r = in.read(buf);
                        if (r < 0) {
                            break;
                        }
                        digest.update(buf.array(), 0, r);
                        n += r;
                        progress.advance(r);
                    }
                }
            }
        } catch (io.keepwatch.fs.UnsafePathException e) {
            return problem(VerifyReport.Kind.ERROR, x, "not read: " + e.getFile() + " " + e.getReason(), 0);
        } catch (NoSuchFileException e) {
            return problem(VerifyReport.Kind.MISSING, x, "", 0);
        } catch (IOException e) {
            return problem(VerifyReport.Kind.ERROR, x, "cannot read: " + Parallel.reason(e), 0);
        } catch (InternalError e) {
            // What a mapped read throws when the file is truncated under it (SIGBUS); keepwatch never does that.
            return problem(VerifyReport.Kind.ERROR, x, "the file shrank while being read (" + e.getMessage() + ")", 0);
        }
        checked.incrementAndGet();
        String got = algorithm.get().format(digest.digest());
        if (!got.equals(hash)) {
            return problem(VerifyReport.Kind.CORRUPTED, x, "content hashes to " + got + " (" + n + " bytes), state.json records "
                    + hash + " (" + x.size() + " bytes)", n);
        }
        return new Outcome(Optional.empty(), n);
    }

    /** Opens a backup file for a mapped read: its channel where that is a FileChannel, else null (closed). */
    private FileChannel openMappable(Path file) throws IOException {
        SeekableByteChannel in = backup.openRead(file);
        if (in instanceof FileChannel fc) {
            return fc;
        }
        in.close();
        return null;
    }

    private Outcome problem(VerifyReport.Kind kind, Expected x, String detail, long bytes) {
        return new Outcome(Optional.of(new VerifyReport.Problem(kind, BackupLayout.relative(layout.root(), x.file()),
                x.entry().describe(), detail)), bytes);
    }

    /**
     * The folders whose files state.json accounts for: the whole backup root (but {@code .keepwatch/} and
     * the {@code state.json*} files at its top) when every source is verified, else the four areas of the
     * named sources.
     */
    private List<Path> areas(List<String> sources, boolean all) {
        if (all) {
            return List.of(layout.root());
        }
        List<Path> out = new ArrayList<>();
        for (String s : sources) {
            if (SafeRel.problem(s, layout.root()).isPresent()) {
                continue;
            }
            out.add(layout.root().resolve(s));
            out.add(layout.root().resolve(BackupLayout.VERSIONS).resolve(s));
            out.add(layout.root().resolve(BackupLayout.DELETED).resolve(s));
            out.add(layout.root().resolve(BackupLayout.DUPLICATES).resolve(s));
        }
        return out;
    }

    private void findUnexpected(Path area, Set<Path> expected, List<VerifyReport.Problem> problems) throws IOException {
        Path root = layout.root();
        if (!area.equals(root)) {
            try {
                if (!backup.exists(area) || !backup.attributes(area).orElseThrow().isDirectory()) {
                    return;
                }
            } catch (io.keepwatch.fs.UnsafePathException e) {
                problems.add(new VerifyReport.Problem(VerifyReport.Kind.UNEXPECTED, BackupLayout.relative(root, root.getFileSystem().getPath(e.getFile())), "",
                        e.getReason() + "; not read"));
                return;
            }
        }
        Files.walkFileTree(area, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return dir.equals(layout.privateDir()) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (file.getParent().equals(root) && file.getFileName().toString().startsWith(BackupLayout.STATE_FILE)) {
                    return FileVisitResult.CONTINUE;
                }
                // A staged copy (see StagingArea) belongs to a pass under way, or to a crash the next start cleans up.
                if (!expected.contains(file) && !StagingArea.isStagedName(file.getFileName().toString())) {
                    problems.add(new VerifyReport.Problem(VerifyReport.Kind.UNEXPECTED, BackupLayout.relative(root, file), "",
                            (attrs.isSymbolicLink() ? "a symbolic link" : attrs.isRegularFile() ? "a file" : "a special file")
                                    + " that state.json does not know"));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                problems.add(new VerifyReport.Problem(VerifyReport.Kind.ERROR, BackupLayout.relative(root, file), "",
                        "cannot list: " + Parallel.reason(exc)));
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
