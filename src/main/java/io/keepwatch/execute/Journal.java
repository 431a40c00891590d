package io.keepwatch.execute;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.NameNumbers;
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
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead record of the batches whose file moves may not be reflected in state.json yet. A batch
 * is written here (fsynced) before its first move and removed after the state that includes it is saved,
 * so after a crash {@link Recovery} knows exactly which moves may have happened.
 *
 * <p>The folder is untrusted input: only the names keepwatch writes ({@code <seq>.json}, and {@code <seq>.json.tmp}
 * while one is written; {@code seq} from 1, ASCII digits without sign or leading zero) are acted on. Any other
 * {@code .json} name may be a batch whose name was damaged, and skipping a batch could lose track of moved files:
 * opening the journal then fails naming it, and nothing is changed. Any other name cannot hold a batch (one exists
 * only once renamed to {@code <seq>.json}): it is left alone, with a WARN line when the journal is opened.
 */
public final class Journal {
    private static final Logger log = LoggerFactory.getLogger(Journal.class);
    private static final String SUFFIX = ".json";
    private static final String TMP = SUFFIX + ".tmp";
    /** The highest batch number read from a name: far beyond any journal, and leaves room to count on. */
    static final long MAX_SEQ = Long.MAX_VALUE / 2;

    private final Path dir;
    private final Fs fs;
    /** Made on first use: most passes find no journal to read and write none. */
    private final Supplier<ObjectMapper> mapper = Suppliers.memoize(StateStore::mapper);
    private long next;

    public Journal(BackupLayout layout, Fs fs) throws IOException {
        this.dir = layout.journalDir();
        this.fs = fs;
        // From the names only: a first backup's journal can be long (see pendingFiles), and none of it need be read here.
        this.next = list(true).stream().mapToLong(f -> seqOf(f.getFileName().toString(), SUFFIX).getAsLong()).max().orElse(0) + 1;
    }

    /** One batch: its number, when it ran, its actions in order. */
    public record Batch(long seq, Instant at, List<Action> actions) {
    }

    /** Durably records a batch before it runs. */
    public long append(Instant at, List<Action> actions) throws IOException {
        long seq = next++;
        Path tmp = dir.resolve(seq + TMP);
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
     * they were written); unfinished journal temp files are deleted.
     *
     * @throws IOException naming the file when a {@code .json} name is not a batch number (see the class comment)
     */
    public List<Path> pendingFiles() throws IOException {
        return list(false);
    }

    private List<Path> list(boolean warn) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!fs.isDirectory(dir)) {
            return out;
        }
        List<Path> unfinished = new ArrayList<>();
        try (DirectoryStream<Path> files = fs.list(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (seqOf(name, SUFFIX).isPresent()) {
                    out.add(f);
                } else if (seqOf(name, TMP).isPresent()) {
                    unfinished.add(f);
                } else if (name.endsWith(SUFFIX)) {
                    throw new IOException("journal file " + f + " is not named as keepwatch names its batches ("
                            + NameNumbers.whyNot(name.substring(0, name.length() - SUFFIX.length()), MAX_SEQ)
                            + "); nothing was changed: move it out of " + dir + " (if it was a batch, then run"
                            + " `keepwatch rebuild-state`) and start keepwatch again");
                } else if (warn) {
                    log.warn("Not a journal file, left alone: {}", f);
                }
            }
        }
        for (Path f : unfinished) {
            // A journal entry that was never completed: its batch never moved anything.
            fs.delete(f);
        }
        out.sort(Comparator.comparingLong(f -> seqOf(f.getFileName().toString(), SUFFIX).getAsLong()));
        return out;
    }

    /** The batch number in a journal file's name ({@code <seq><suffix>} as keepwatch writes it), if it is one. */
    static OptionalLong seqOf(String name, String suffix) {
        return name.endsWith(suffix) ? NameNumbers.positive(name.substring(0, name.length() - suffix.length()), MAX_SEQ)
                : OptionalLong.empty();
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
        Batch b;
        try {
            b = mapper.get().readValue(bytes, Batch.class);
        } catch (IOException e) {
            throw new IOException("journal file " + f + " is unreadable (" + e.getMessage()
                    + "); move it away and run `keepwatch rebuild-state`", e);
        }
        if (seqOf(f.getFileName().toString(), SUFFIX).orElse(-1) != b.seq()) {
            throw new IOException("journal file " + f + " holds batch " + b.seq() + ", not the one its name says;"
                    + " move it away and run `keepwatch rebuild-state`");
        }
        return b;
    }

    /** Forgets every batch up to and including {@code seq}, once a saved state includes them; no other file. */
    public void clearThrough(long seq) throws IOException {
        if (!fs.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> files = fs.list(dir)) {
            for (Path f : files) {
                // Only batches: any other name is left alone (opening the journal reports it).
                OptionalLong s = seqOf(f.getFileName().toString(), SUFFIX);
                if (s.isPresent() && s.getAsLong() <= seq) {
                    fs.delete(f);
                }
            }
        }
        fs.syncDirectory(dir);
    }
}
