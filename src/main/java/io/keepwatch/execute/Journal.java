package io.keepwatch.execute;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.TempFiles;
import io.keepwatch.plan.Action;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The write-ahead record of the batches whose file moves may not be reflected in state.json yet. A batch
 * is written here (fsynced) before its first move and removed after the state that includes it is saved,
 * so after a crash {@link Recovery} knows exactly which moves may have happened.
 */
public final class Journal {
    private static final String SUFFIX = ".json";

    private final Path dir;
    private final Fs fs;
    /** Made on first use: most passes find no journal to read and write none. */
    private final Supplier<ObjectMapper> mapper = Suppliers.memoize(StateStore::mapper);
    private long next;

    public Journal(BackupLayout layout, Fs fs) throws IOException {
        this.dir = layout.journalDir();
        this.fs = fs;
        // From the names only: a first backup's journal can be long (see pendingFiles), and none of it need be read here.
        this.next = pendingFiles().stream().mapToLong(Journal::seqOf).filter(s -> s != Long.MAX_VALUE).max().orElse(0) + 1;
    }

    /** One batch: its number, when it ran, its actions in order. */
    public record Batch(long seq, Instant at, List<Action> actions) {
    }

    /** Durably records a batch before it runs. */
    public long append(Instant at, List<Action> actions) throws IOException {
        long seq = next++;
        Path tmp = dir.resolve(seq + SUFFIX + ".tmp");
        fs.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(mapper.get().writeValueAsBytes(new Batch(seq, at, actions)));
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            ch.force(true);
        } catch (IOException e) {
            throw TempFiles.discard(fs, tmp, withPath(tmp, e));
        }
        fs.moveNoReplace(tmp, dir.resolve(seq + SUFFIX));
        fs.syncDirectory(dir);
        return seq;
    }

    /**
     * The error with the file named: a write that fails for want of space says only "No space left on device".
     * Errors that already name a file keep their type and message.
     */
    static IOException withPath(Path file, IOException e) {
        return e instanceof java.nio.file.FileSystemException ? e
                : new IOException("cannot write " + file + ": " + e.getMessage(), e);
    }

    /** Whether any batch is recorded and not yet cleared: only the names are read. */
    public boolean hasPending() throws IOException {
        return !pendingFiles().isEmpty();
    }

    /**
     * The files of the batches recorded and not yet cleared, in the order of the numbers in their names (the order
     * they were written); unfinished journal temp files are dropped. A name that is not a batch number is listed
     * last, and {@link #read} says what is wrong with it.
     */
    public List<Path> pendingFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!fs.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = fs.list(dir)) {
            for (Path f : files) {
                if (f.getFileName().toString().endsWith(SUFFIX)) {
                    out.add(f);
                } else {
                    // A journal entry that was never completed: its batch never moved anything.
                    fs.delete(f);
                }
            }
        }
        out.sort(Comparator.comparingLong(Journal::seqOf));
        return out;
    }

    /** The number in a journal file's name ({@code Long.MAX_VALUE} when it holds none, so it sorts last). */
    private static long seqOf(Path file) {
        String name = file.getFileName().toString();
        try {
            return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /** One batch, read from its file (as {@link #pendingFiles} lists them). */
    public Batch read(Path f) throws IOException {
        byte[] bytes;
        try {
            bytes = fs.readAllBytes(f);
        } catch (IOException e) {
            // Not the content's fault (permission denied, an I/O error): the file is kept, and read again
            // at the next start.
            throw new IOException("cannot read journal file " + f + " (" + e.getMessage()
                    + "); it is left as it is: fix the cause and start keepwatch again", e);
        }
        try {
            return mapper.get().readValue(bytes, Batch.class);
        } catch (IOException e) {
            throw new IOException("journal file " + f + " is unreadable (" + e.getMessage()
                    + "); move it away and run `keepwatch rebuild-state`", e);
        }
    }

    /** Forgets every batch up to and including {@code seq}, once a saved state includes them. */
    public void clearThrough(long seq) throws IOException {
        if (!fs.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = fs.list(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.endsWith(SUFFIX)) {
                    continue;
                }
                long s = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
                if (s <= seq) {
                    fs.delete(f);
                }
            }
        }
        fs.syncDirectory(dir);
    }
}
