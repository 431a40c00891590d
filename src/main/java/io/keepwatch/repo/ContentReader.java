package io.keepwatch.repo;

import io.keepwatch.hash.HashAlgorithm;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads the backup files a push needs, a few at a time on reader threads, ahead of the push: each file is read
 * once, hashed with the state's algorithm (to check it against state.json), split into chunks and each chunk's
 * id computed; the chunks wait in a small queue per file. The push takes the files in the order it planned them
 * and adds their chunks in that order, so packs, trees and snapshot do not depend on thread timing. At most
 * {@code window} files are open at once, each with at most {@link #QUEUED} chunks waiting (chunks are at most
 * {@link Chunker#MAX} bytes) plus one reader buffer per thread, which bounds the memory. A file that cannot be
 * read ends its queue with the failure, which the push reports with the file's path.
 */
final class ContentReader implements Closeable {
    /** Chunks a reader may have ready ahead of the push, per file. */
    static final int QUEUED = 2;

    /** Opens a backup file for reading (a seam for tests). */
    interface Opener {
        InputStream open(Path file) throws IOException;
    }

    static final Opener FILES = f -> Files.newInputStream(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    /** A content to read: the file that holds it and the algorithm of its recorded hash. */
    record Wanted(String hash, Path file, HashAlgorithm alg) {
    }

    /** What reading a file gives, in order: its chunks, then {@link Done} or {@link Failed}. */
    sealed interface Item {
    }

    /** One chunk: its id (hex) and its bytes, handed over. */
    record Chunk(String id, byte[] data) implements Item {
    }

    /** The end of a file: the hash and length of everything read. */
    record Done(String hash, long size) implements Item {
    }

    /** Reading the file failed. */
    record Failed(IOException error) implements Item {
    }

    /** Receives the items of one file, in order. */
    interface Sink {
        void accept(Item item) throws IOException;
    }

    /** A file being read (or waiting for a reader). */
    static final class Reading {
        final Wanted wanted;
        private final BlockingQueue<Item> items = new ArrayBlockingQueue<>(QUEUED + 1);
        private Future<?> task;

        Reading(Wanted wanted) {
            this.wanted = wanted;
        }

        /** The next item, waiting for the reader. */
        Item take() throws InterruptedIOException {
            try {
                return items.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + wanted.file());
            }
        }
    }

    private final Repository repo;
    private final Opener opener;
    private final Iterator<Wanted> plan;
    private final int window;
    private final ArrayDeque<Reading> inFlight = new ArrayDeque<>();
    private final ThreadLocal<byte[]> buffers;
    private ExecutorService pool;

    /**
     * Reads the files of {@code plan}, in its order, {@code window} at a time ({@code window} 0: none ahead, every
     * file is read by {@link #readNow} when the push comes to it).
     */
    ContentReader(Repository repo, Iterator<Wanted> plan, int window, Opener opener) {
        this.repo = repo;
        this.plan = plan;
        this.window = window;
        this.opener = opener;
        this.buffers = ThreadLocal.withInitial(() -> repo.chunker().newBuffer());
    }

    /**
     * The file being read ahead for {@code hash}, if it is the next one planned; null if it is not (then the
     * caller reads the file itself with {@link #readNow}). Planned files that come before it were not asked for
     * (their content turned out to be known) and are dropped.
     */
    Reading next(String hash, java.util.function.Predicate<String> stillWanted) {
        fill();
        while (!inFlight.isEmpty() && !stillWanted.test(inFlight.peek().wanted.hash())) {
            inFlight.poll().task.cancel(true); // its reader stops at its next chunk
        }
        if (inFlight.isEmpty() || !inFlight.peek().wanted.hash().equals(hash)) {
            return null;
        }
        Reading r = inFlight.poll();
        fill();
        return r;
    }

    private void fill() {
        if (window == 0) {
            return;
        }
        if (pool == null) {
            AtomicInteger n = new AtomicInteger();
            pool = Executors.newFixedThreadPool(window, r -> {
                Thread t = new Thread(r, "keepwatch-read-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
        while (inFlight.size() < window && plan.hasNext()) {
            Reading r = new Reading(plan.next());
            inFlight.add(r);
            r.task = pool.submit(() -> {
                try {
                    read(r.wanted, buffers.get(), item -> {
                        try {
                            r.items.put(item);
                        } catch (InterruptedException e) {
                            throw new InterruptedIOException("stopped");
                        }
                    });
                } catch (InterruptedIOException stopped) {
                    // the push ended or dropped this file: nobody waits for the rest
                }
                return null;
            });
        }
    }

    /** Reads a file on the caller's thread, handing each item to {@code sink}. */
    void readNow(Wanted w, Sink sink) throws IOException {
        read(w, buffers.get(), sink);
    }

    private void read(Wanted w, byte[] buf, Sink sink) throws IOException {
        MessageDigest digest = w.alg().newDigest();
        long[] n = new long[1];
        Item end;
        try (InputStream raw = opener.open(w.file());
                InputStream in = new FilterInputStream(raw) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int r = super.read(b, off, len);
                        if (r > 0) {
                            digest.update(b, off, r);
                            n[0] += r;
                        }
                        return r;
                    }
                }) {
            repo.chunker().split(in, buf, (b, off, len) -> {
                String id = Hex.of(repo.crypto().chunkId(b, off, len));
                sink.accept(new Chunk(id, Arrays.copyOfRange(b, off, off + len)));
            });
            end = new Done(w.alg().format(digest.digest()), n[0]);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            end = new Failed(e);
        } catch (RuntimeException e) {
            end = new Failed(new IOException(e.toString(), e)); // on a reader thread: the push must hear of it
        }
        sink.accept(end);
    }

    @Override
    public void close() {
        for (Reading r : inFlight) {
            r.task.cancel(true);
        }
        inFlight.clear();
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
