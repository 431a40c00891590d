package io.keepwatch.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.NameText;
import io.keepwatch.fs.TempFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The positions of the change log's consumers (replication, history: whoever reads the changes as a feed), kept
 * durably in {@code .keepwatch/changes/cursors.json} as {@code {"name": last entry consumed}}. A consumer registers a
 * name (starting at the log's end: what came before is in state.json), reads {@link ChangeLog#readAfter} its
 * position, and acknowledges what it has; compaction keeps every entry the slowest consumer still needs, up to
 * {@link #KEEP_MAX_BYTES} of log, beyond which the oldest entries are dropped all the same (that consumer then finds
 * a {@link ChangeLog.Gap} and starts again from state.json). Written by the lock holder only; the file is untrusted
 * input when read: a malformed one is an error naming it.
 */
public final class ChangeCursors {
    static final String FILE = "cursors.json";
    /** The log kept for a consumer that lags is at most this large (then its oldest entries go all the same). */
    public static final long KEEP_MAX_BYTES = 256L << 20;
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private final ChangeLog log;
    private final Fs fs;
    private final ObjectMapper mapper = StateStore.mapper();

    public ChangeCursors(ChangeLog log, Fs fs) {
        this.log = log;
        this.fs = fs;
    }

    /** Every consumer and the last entry it has. */
    public synchronized Map<String, Long> positions() throws IOException {
        Path file = log.dir().resolve(FILE);
        byte[] bytes;
        try {
            bytes = fs.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        }
        try {
            JsonNode root = mapper.readTree(bytes);
            if (root == null || !root.isObject()) {
                throw new IOException("not a JSON object");
            }
            Map<String, Long> read = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) root::fields) {
                JsonNode v = e.getValue();
                // A JSON integer only: Jackson would otherwise take 1.5 as 1 and "7" (or "٧") as 7.
                if (!NAME.matcher(e.getKey()).matches() || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                    throw new IOException("bad cursor " + NameText.escape(e.getKey()) + "=" + v);
                }
                read.put(e.getKey(), v.asLong());
            }
            return read;
        } catch (IOException e) {
            throw new IOException("change log cursors " + file + " are unreadable (" + e.getMessage()
                    + "); delete the file to drop every consumer's position", e);
        }
    }

    /** Registers a consumer at the log's end, if it is not registered yet; returns its position. */
    public synchronized long register(String name) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("consumer name '" + name + "' must match " + NAME.pattern());
        }
        Map<String, Long> all = positions();
        Long at = all.get(name);
        if (at == null) {
            at = log.lastSeq();
            all.put(name, at);
            write(all);
        }
        return at;
    }

    /** Records that {@code name} has every entry up to {@code seq}. */
    public synchronized void acknowledge(String name, long seq) throws IOException {
        Map<String, Long> all = positions();
        if (!all.containsKey(name)) {
            throw new IllegalArgumentException("no consumer named '" + name + "' is registered");
        }
        all.put(name, Math.max(all.get(name), seq));
        write(all);
    }

    public synchronized void unregister(String name) throws IOException {
        Map<String, Long> all = positions();
        if (all.remove(name) != null) {
            write(all);
        }
    }

    /** The position of the slowest consumer, if there is any. */
    public OptionalLong slowest() throws IOException {
        return positions().values().stream().mapToLong(Long::longValue).min();
    }

    /**
     * What a compaction that wrote state.json through {@code through} may drop: everything up to it, or up to the
     * slowest consumer's position if that is lower, unless the log is already larger than {@link #KEEP_MAX_BYTES}.
     */
    public long droppable(long through) throws IOException {
        OptionalLong slowest = slowest();
        if (slowest.isEmpty() || slowest.getAsLong() >= through || log.bytes() > KEEP_MAX_BYTES) {
            return through;
        }
        return slowest.getAsLong();
    }

    private void write(Map<String, Long> all) throws IOException {
        Path file = log.dir().resolve(FILE);
        Path tmp = log.dir().resolve(FILE + ".tmp");
        fs.createFolders(log.dir());
        fs.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            ByteBuffer b = ByteBuffer.wrap(mapper.writeValueAsBytes(all));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException e) {
            throw TempFiles.discard(fs, tmp, e);
        }
        fs.replaceAtomically(tmp, file);
        fs.syncDirectory(log.dir());
    }
}
