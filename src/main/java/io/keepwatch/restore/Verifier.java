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
import java.nio.MappedByteBuffer;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Proves the backup intact: re-reads every file state.json says the backup root holds (current copies,
 * duplicates, old versions, deleted files), hashes each with the algorithm named in its stored hash, and
 * walks the backup root for files state.json does not know. Hashing runs on a small fixed pool (one
 * thread per core), biggest files first; large files are hashed through memory maps (no copy out of the
 * page cache) one {@link #MAP_CHUNK} window at a time, each unmapped as soon as it is hashed ({@link Unmapper}),
 * so resident memory stays near threads x window whatever the files' sizes; small files with 4 MiB reads. Reads only and takes no lock, so it runs
 * beside a working keepwatch service.
 */
public final class Verifier {
    private static final int BUFFER = 4 << 20;
    /** Files this large are hashed through memory maps, in chunks of {@link #MAP_CHUNK}. */
    private static final long MAP_THRESHOLD = 4 << 20;
    private static final long MAP_CHUNK = 16L << 20;

    private final BackupLayout layout;
    /** Files are read only from inside the backup root, never through a symbolic link. */
    private final BackupRoot backup;
    private final Progress progress;
    private final int threads;

    /** @param threads hashing threads (one per core is right: hashing a cached file is CPU-bound) */
    public Verifier(BackupLayout layout, Fs fs, Progress progress, int threads) {
        this.layout = layout;
        this.backup = new BackupRoot(layout.root(), fs);
        this.progress = progress;
        this.threads = Math.max(1, threads);
    }

    private record Expected(Path file, String rel, String what, String hash, long size) {
    }

    private record Outcome(Optional<VerifyReport.Problem> problem, long bytes) {
    }

    /** Verifies every source in the state, or only {@code source}. */
    public VerifyReport verify(BackupState state, Optional<String> source) throws IOException {
        List<VerifyReport.Problem> problems = new ArrayList<>();
        Map<Path, Expected> expected = new HashMap<>();
        List<String> sources = source.map(List::of).orElseGet(() -> new ArrayList<>(state.sourceNames()));
        for (io.keepwatch.state.QuarantinedRecord q : Selection.quarantined(state, source, Optional.empty())) {
            problems.add(new VerifyReport.Problem(VerifyReport.Kind.ERROR, q.path().isEmpty() ? q.source() : q.source() + "/" + q.path(),
                    q.kind(), "state.json record quarantined: " + q.reason()));
        }
        for (String s : sources) {
            for (String rel : Timeline.paths(state, s)) {
                for (Timeline.Entry e : Timeline.of(state, new FileRef(s, rel))) {
                    try {
                        Path file = e.file(layout);
                        expected.put(file, new Expected(file, BackupLayout.relative(layout.root(), file), e.describe(), e.hash(), e.size()));
                    } catch (UnsafePathException x) {
                        problems.add(new VerifyReport.Problem(VerifyReport.Kind.ERROR, s + "/" + rel, e.describe(),
                                "state.json entry refused: " + x.getMessage()));
                    }
                }
            }
        }
        for (Path area : areas(sources, source.isEmpty())) {
            findUnexpected(area, expected, problems);
        }
        List<Expected> work = new ArrayList<>(expected.values());
        work.sort(Comparator.comparingLong(Expected::size).reversed());
        long total = work.stream().mapToLong(Expected::size).sum();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "keepwatch-verify");
            t.setDaemon(true);
            return t;
        });
        long bytes = 0;
        AtomicInteger checked = new AtomicInteger();
        progress.begin("verifying", total);
        try {
            ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(() -> ByteBuffer.allocate(BUFFER));
            List<Future<Outcome>> futures = new ArrayList<>(work.size());
            for (Expected x : work) {
                futures.add(pool.submit(() -> check(x, buffers.get(), checked)));
            }
            for (Future<Outcome> f : futures) {
                Outcome o = Parallel.get(f);
                bytes += o.bytes();
                o.problem().ifPresent(problems::add);
            }
        } finally {
            pool.shutdownNow();
            progress.end();
        }
        problems.sort(Comparator.comparing(VerifyReport.Problem::path).thenComparing(VerifyReport.Problem::kind));
        return new VerifyReport(checked.get(), bytes, problems);
    }

    private Outcome check(Expected x, ByteBuffer buf, AtomicInteger checked) {
        Optional<HashAlgorithm> algorithm = HashAlgorithm.ofStoredHash(x.hash());
        if (algorithm.isEmpty()) {
            return problem(VerifyReport.Kind.ERROR, x, "state.json records the hash '" + x.hash() + "' of an unknown algorithm", 0);
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
        try (SeekableByteChannel in = backup.openRead(x.file())) {
            n = in instanceof FileChannel fc && attrs.size() >= MAP_THRESHOLD ? hashMapped(fc, digest, buf) : -1;
            if (n < 0) {
                digest.reset();
                in.position(0);
                n = 0;
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
        if (!got.equals(x.hash())) {
            return problem(VerifyReport.Kind.CORRUPTED, x, "content hashes to " + got + " (" + n + " bytes), state.json records "
                    + x.hash() + " (" + x.size() + " bytes)", n);
        }
        return new Outcome(Optional.empty(), n);
    }

    /**
     * Hashes a large file through memory maps: no copy from the page cache into a buffer, so a core spends
     * its time hashing (about 2.5x less CPU per byte than read() for a cached file here). Returns -1 where
     * the filesystem cannot map files (then the caller reads it).
     */
    private long hashMapped(FileChannel ch, MessageDigest digest, ByteBuffer buf) throws IOException {
        long size = ch.size();
        long n = 0;
        for (long off = 0; off < size; off += MAP_CHUNK) {
            MappedByteBuffer map;
            try {
                map = ch.map(FileChannel.MapMode.READ_ONLY, off, Math.min(MAP_CHUNK, size - off));
            } catch (UnsupportedOperationException e) {
                return -1;
            }
            while (map.hasRemaining()) {
                int step = Math.min(buf.capacity(), map.remaining());
                map.limit(map.position() + step);
                digest.update(map);
                map.limit(map.capacity());
                n += step;
                progress.advance(step);
            }
            Unmapper.unmap(map);
        }
        return n;
    }

    private static Outcome problem(VerifyReport.Kind kind, Expected x, String detail, long bytes) {
        return new Outcome(Optional.of(new VerifyReport.Problem(kind, x.rel(), x.what(), detail)), bytes);
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

    private void findUnexpected(Path area, Map<Path, Expected> expected, List<VerifyReport.Problem> problems) throws IOException {
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
                if (!expected.containsKey(file) && !StagingArea.isStagedName(file.getFileName().toString())) {
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
