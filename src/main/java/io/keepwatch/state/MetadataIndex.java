package io.keepwatch.state;

import io.keepwatch.fs.Fs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * A compact copy of what a full pass compares before it needs state.json: per source its device, the size,
 * mtime, inode and permission bits of every live file (sorted by path), and the few facts that say whether
 * retention has anything to remove. {@code keepwatch once} checks a scan against it, and only when a file, the
 * device or the retention outlook differs does it load state.json (a no-change pass over 200,000 files then
 * reads a 10 MB file instead of parsing a 50 MB one).
 *
 * <p>It is derived data, written after every save of state.json (temp file, then rename) and tagged with that
 * save's {@code save_id}. It counts only while that tag equals the one in state.json and its checksum holds; a
 * stale, torn or missing index is ignored, never trusted, and the pass loads state.json as it always did.
 */
public final class MetadataIndex {
    private static final byte[] MAGIC = "KWIDX1\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final String saveId;
    private final String hashAlgorithm;
    private final Map<String, SourceIndex> sources;

    private MetadataIndex(String saveId, String hashAlgorithm, Map<String, SourceIndex> sources) {
        this.saveId = saveId;
        this.hashAlgorithm = hashAlgorithm;
        this.sources = sources;
    }

    public String saveId() {
        return saveId;
    }

    public String hashAlgorithm() {
        return hashAlgorithm;
    }

    /** The index of one source; empty when the state holds nothing of it. */
    public Optional<SourceIndex> source(String name) {
        return Optional.ofNullable(sources.get(name));
    }

    /** A live file's metadata as the state records it. */
    public record Entry(String rel, long size, long mtime, String inode, String perms) {
    }

    /**
     * One source: its device, its live files sorted by path, and its retention outlook.
     *
     * @param mostVersions the most versions any one path keeps
     * @param oldestPrunable the oldest archive time among versions that are not the newest of their path (what an
     *     age limit could remove), {@link Instant#MAX} when there is none
     * @param oldestDeletion the oldest deletion time, {@link Instant#MAX} when there is none
     */
    public record SourceIndex(String device, List<Entry> files, int mostVersions, Instant oldestPrunable,
            Instant oldestDeletion) {
    }

    /**
     * Writes the index of a saved state: to a temp file beside {@code file}, then renamed over it. Not fsynced:
     * after a crash a torn index fails its checksum and is ignored.
     */
    static void write(Fs fs, Path file, String saveId, String hashAlgorithm, Map<String, SourceState> sources)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeUTF(saveId);
        out.writeUTF(hashAlgorithm);
        out.writeInt(sources.size());
        for (Map.Entry<String, SourceState> e : sources.entrySet()) {
            SourceState s = e.getValue();
            out.writeUTF(e.getKey());
            out.writeUTF(s.device());
            writeOutlook(out, s.history().values());
            out.writeInt(s.files().size());
            String previous = "";
            for (Map.Entry<String, LiveFile> f : s.files().entrySet()) {
                // Sorted paths share long prefixes (their folders): store only what differs from the one before.
                String rel = f.getKey();
                int shared = sharedPrefix(previous, rel);
                out.writeShort(shared);
                out.writeUTF(rel.substring(shared));
                LiveFile lf = f.getValue();
                out.writeLong(lf.size());
                out.writeLong(lf.mtime());
                out.writeUTF(lf.inode());
                out.writeUTF(lf.perms());
                previous = rel;
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray(), 0, bytes.size());
        out.writeInt((int) crc.getValue());
        out.flush();

        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray());
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        fs.replaceAtomically(tmp, file);
    }

    private static void writeOutlook(DataOutputStream out, Iterable<PathHistory> histories) throws IOException {
        int most = 0;
        Instant oldestPrunable = Instant.MAX;
        Instant oldestDeletion = Instant.MAX;
        for (PathHistory h : histories) {
            most = Math.max(most, h.versions().size());
            int newest = h.versions().stream().mapToInt(VersionRecord::n).max().orElse(0);
            for (VersionRecord v : h.versions()) {
                if (v.n() != newest && v.archivedAt().isBefore(oldestPrunable)) {
                    oldestPrunable = v.archivedAt();
                }
            }
            for (DeletionRecord d : h.deletions()) {
                if (d.deletedAt().isBefore(oldestDeletion)) {
                    oldestDeletion = d.deletedAt();
                }
            }
        }
        out.writeInt(most);
        writeInstant(out, oldestPrunable);
        writeInstant(out, oldestDeletion);
    }

    private static int sharedPrefix(String a, String b) {
        int n = Math.min(Math.min(a.length(), b.length()), 0xFFFF);
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        return Instant.ofEpochSecond(in.readLong(), in.readInt());
    }

    /**
     * The index at {@code file} if it belongs to the save {@code saveId} and is whole; empty if it is missing,
     * stale, torn or unreadable (the caller then loads state.json).
     */
    public static Optional<MetadataIndex> read(Path file, String saveId) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        int body = bytes.length - Integer.BYTES;
        if (body < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return Optional.empty();
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, body);
        if ((int) crc.getValue() != ByteBuffer.wrap(bytes, body, Integer.BYTES).getInt()) {
            return Optional.empty();
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, MAGIC.length, body - MAGIC.length));
        try {
            String id = in.readUTF();
            if (!id.equals(saveId)) {
                return Optional.empty();
            }
            String algorithm = in.readUTF();
            int sourceCount = in.readInt();
            Map<String, SourceIndex> sources = new LinkedHashMap<>();
            for (int s = 0; s < sourceCount; s++) {
                String name = in.readUTF();
                String device = in.readUTF();
                int most = in.readInt();
                Instant oldestPrunable = readInstant(in);
                Instant oldestDeletion = readInstant(in);
                int count = in.readInt();
                List<Entry> files = new ArrayList<>(count);
                String previous = "";
                for (int i = 0; i < count; i++) {
                    int shared = in.readUnsignedShort();
                    String rel = previous.substring(0, shared).concat(in.readUTF());
                    files.add(new Entry(rel, in.readLong(), in.readLong(), in.readUTF(), in.readUTF()));
                    previous = rel;
                }
                sources.put(name, new SourceIndex(device, java.util.Collections.unmodifiableList(files), most, oldestPrunable,
                        oldestDeletion));
            }
            return Optional.of(new MetadataIndex(id, algorithm, sources));
        } catch (IOException | IndexOutOfBoundsException e) {
            // The checksum held but the content does not parse: written by another version. Not trusted.
            return Optional.empty();
        }
    }
}
