package io.keepwatch.state;

import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state's change log: what changed in the state since state.json was last written whole, as numbered entries
 * appended to segment files in {@code .keepwatch/changes/} ({@code <first seq as 16 hex digits>.log}). Each entry is
 * framed as {@code [payload length: int][seq: long][CRC32C of seq and payload: int][payload]}; an append is fsynced
 * before it returns. A torn entry at the end of the last segment (a crash in the middle of an append) is ignored and
 * cut off by the next writer; a bad entry anywhere else is corruption. Entries are numbered without gaps.
 *
 * <p>Only the process holding the backup root's lock writes (appends, {@link #rollOver}, {@link #dropThrough}); readers
 * without the lock may find the last entry torn (ignored) or the segments they need gone (a compaction in between:
 * they read state.json again). This class knows bytes, not what they mean ({@link StateChange} does).
 */
public final class ChangeLog {
    private static final Logger log = LoggerFactory.getLogger(ChangeLog.class);
    static final String SUFFIX = ".log";
    private static final int HEADER = Integer.BYTES + Long.BYTES + Integer.BYTES;
    /** One entry at most this large: a longer length field is a torn or damaged frame. */
    static final int MAX_ENTRY = 1 << 30;
    /** A segment's name before {@link #SUFFIX}: its first entry's number, 16 lower-case hex digits, as a signed long. */
    private static final Pattern SEGMENT = Pattern.compile("[0-7][0-9a-f]{15}");

    private final Path dir;
    private final Fs fs;
    private FileChannel out;
    private Path outFile;
    private long nextSeq = -1;

    public ChangeLog(Path dir, Fs fs) {
        this.dir = dir;
        this.fs = fs;
    }

    public Path dir() {
        return dir;
    }

    /** One entry as read. */
    public record Entry(long seq, byte[] payload) {
    }

    /** A segment file: its first entry's number. */
    record Segment(long first, Path file) {
    }

    /**
     * The segments, oldest first. Only names as {@link #append} writes them count (lower-case ASCII hex of an entry
     * number from 1): any other name cannot be told from a planted file, and is left alone; a segment lost that way
     * shows as a gap in the entries' numbers, which {@link #readAfter} reports.
     */
    synchronized List<Segment> segments() throws IOException {
        return segments(false);
    }

    private List<Segment> segments(boolean warn) throws IOException {
        List<Segment> out = new ArrayList<>();
        if (!fs.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = fs.list(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!name.endsWith(SUFFIX)) {
                    continue;
                }
                String hex = name.substring(0, name.length() - SUFFIX.length());
                if (SEGMENT.matcher(hex).matches() && Long.parseLong(hex, 16) >= 1) {
                    out.add(new Segment(Long.parseLong(hex, 16), f));
                } else if (warn) {
                    log.warn("Not a change log segment, left alone: {}", f);
                }
            }
        }
        out.sort((a, b) -> Long.compare(a.first(), b.first()));
        return out;
    }

    /**
     * Every whole entry numbered after {@code after}, oldest first.
     *
     * @throws Gap when an entry after {@code after} is no longer there (dropped by a compaction meanwhile)
     * @throws IOException naming the file when an entry is damaged anywhere but at the end of the last segment
     */
    public List<Entry> readAfter(long after) throws IOException {
        List<Entry> entries = new ArrayList<>();
        List<Segment> segments = segments();
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            for (Entry e : read(s, i == segments.size() - 1).entries()) {
                if (e.seq() <= after) {
                    continue;
                }
                long expected = entries.isEmpty() ? after + 1 : entries.get(entries.size() - 1).seq() + 1;
                if (e.seq() != expected && !(entries.isEmpty() && after == 0)) {
                    if (entries.isEmpty() && e.seq() > expected) {
                        throw new Gap("change log entries " + expected + " to " + (e.seq() - 1) + " are gone");
                    }
                    throw new IOException("change log " + s.file() + " is corrupt (entry " + e.seq() + " where " + expected
                            + " was expected); run `keepwatch rebuild-state`");
                }
                entries.add(e);
            }
        }
        return entries;
    }

    /** The number of the last whole entry, or 0 when there is none. */
    public long lastSeq() throws IOException {
        List<Segment> segments = segments();
        for (int i = segments.size() - 1; i >= 0; i--) {
            List<Entry> es = read(segments.get(i), i == segments.size() - 1).entries();
            if (!es.isEmpty()) {
                return es.get(es.size() - 1).seq();
            }
        }
        return 0;
    }

    /** The bytes the log holds now. */
    public long bytes() throws IOException {
        long n = 0;
        for (Segment s : segments()) {
            try {
                n += fs.size(s.file());
            } catch (NoSuchFileException e) {
                // dropped meanwhile
            }
        }
        return n;
    }

    /** What a segment holds: its whole entries, and where the last one ends. */
    private record Read(List<Entry> entries, long end) {
    }

    private Read read(Segment s, boolean last) throws IOException {
        byte[] bytes;
        try {
            bytes = fs.readAllBytes(s.file());
        } catch (NoSuchFileException e) {
            throw new Gap("change log segment " + s.file() + " is gone");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        List<Entry> entries = new ArrayList<>();
        while (buf.remaining() > 0) {
            int start = buf.position();
            Entry e = frame(buf);
            if (e == null) {
                // Torn: the frame runs to (or past) the end of the file. Only the last append can be torn, and only in
                // the last segment; an intact-looking frame with a wrong checksum followed by more bytes is damage.
                boolean torn = buf.position() >= bytes.length;
                if (last && torn) {
                    return new Read(entries, start);
                }
                throw new IOException("change log " + s.file() + " is corrupt at byte " + start
                        + "; run `keepwatch rebuild-state`");
            }
            entries.add(e);
        }
        return new Read(entries, bytes.length);
    }

    /**
     * The entry at the buffer's position, or null if it is not whole and intact; the position is then at the end of
     * the frame its header describes, or at the buffer's end if the frame would run past it.
     */
    private static Entry frame(ByteBuffer buf) {
        if (buf.remaining() < HEADER) {
            buf.position(buf.limit());
            return null;
        }
        int length = buf.getInt();
        long seq = buf.getLong();
        int crc = buf.getInt();
        if (length < 0 || length > MAX_ENTRY || length > buf.remaining()) {
            buf.position(buf.limit());
            return null;
        }
        byte[] payload = new byte[length];
        buf.get(payload);
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(Long.BYTES).putLong(0, seq));
        c.update(payload);
        return (int) c.getValue() == crc && seq >= 1 ? new Entry(seq, payload) : null;
    }

    /**
     * Appends one entry, durably; returns its number. The first append of this object cuts off a torn tail and
     * numbers after both the last entry and {@code after} (what state.json already includes).
     */
    public synchronized long append(byte[] payload, long after) throws IOException {
        if (nextSeq < 0) {
            openForAppend(after);
        }
        long seq = nextSeq;
        ByteBuffer frame = ByteBuffer.allocate(HEADER + payload.length);
        CRC32C c = new CRC32C();
        c.update(ByteBuffer.allocate(Long.BYTES).putLong(0, seq));
        c.update(payload);
        frame.putInt(payload.length).putLong(seq).putInt((int) c.getValue()).put(payload).flip();
        if (out == null) {
            outFile = dir.resolve(String.format("%016x", seq) + SUFFIX);
            out = fs.createNew(outFile);
            fs.syncDirectory(dir);
        }
        long at = out.size();
        try {
            while (frame.hasRemaining()) {
                out.write(frame);
            }
            out.force(false);
        } catch (IOException e) {
            out.truncate(at); // nothing half-written stays before the next append
            throw new IOException("cannot append to the change log " + outFile + ": " + e.getMessage(), e);
        }
        nextSeq = seq + 1;
        return seq;
    }

    private void openForAppend(long after) throws IOException {
        fs.createFolders(dir);
        List<Segment> segments = segments(true);
        long last = 0;
        if (!segments.isEmpty()) {
            Segment s = segments.get(segments.size() - 1);
            Read r = read(s, true);
            last = r.entries().isEmpty() ? s.first() - 1 : r.entries().get(r.entries().size() - 1).seq();
            if (after > last) {
                nextSeq = after + 1; // state.json includes more than the log: a new segment, numbered after it
                return;
            }
            // Appends go on in the last segment, after its last whole entry: a torn tail is cut off first.
            out = fs.openWrite(s.file());
            outFile = s.file();
            if (r.end() < out.size()) {
                out.truncate(r.end());
                out.force(true);
            }
            out.position(r.end());
        }
        nextSeq = Math.max(last, after) + 1;
    }

    /** The next append starts a new segment (so that the segments before it can be dropped whole). */
    public synchronized void rollOver() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    /** Deletes the segments whose entries are all numbered {@code seq} or lower (never the one being appended to). */
    public synchronized void dropThrough(long seq) throws IOException {
        List<Segment> segments = segments();
        for (int i = 0; i + 1 < segments.size(); i++) {
            Segment s = segments.get(i);
            if (s.file().equals(outFile) && out != null) {
                break;
            }
            if (segments.get(i + 1).first() - 1 <= seq) {
                fs.deleteIfExists(s.file());
            }
        }
        if (!segments.isEmpty() && out == null) {
            Segment s = segments.get(segments.size() - 1);
            List<Entry> es = read(s, true).entries();
            if (es.isEmpty() || es.get(es.size() - 1).seq() <= seq) {
                fs.deleteIfExists(s.file());
            }
        }
        if (fs.isDirectory(dir)) {
            fs.syncDirectory(dir);
        }
    }

    /** Closes the segment being appended to; a later append opens the log afresh (cutting off a torn tail). */
    public synchronized void close() throws IOException {
        rollOver();
        nextSeq = -1;
    }

    /** Entries a reader needs are gone: a compaction replaced state.json meanwhile (read it again). */
    public static final class Gap extends IOException {
        public Gap(String message) {
            super(message);
        }
    }
}
