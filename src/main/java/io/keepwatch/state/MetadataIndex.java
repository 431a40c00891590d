package io.keepwatch.state;

import io.keepwatch.fs.Fs;
import io.keepwatch.fs.TempFiles;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * What a full pass compares before it needs state.json: per source its device, the
 * number of live files and a {@link Fingerprint} of their paths with the size, mtime, inode and permission
 * bits of each, and what the retention policy said when it was written: the earliest instant at which it could
 * remove something, and the bytes of old versions and deleted files (for the size caps).
 * {@code keepwatch once} computes the same fingerprint over its scan; only when it, the device or the
 * retention outlook differs does it load state.json (a no-change pass over 200,000 files then hashes 10 MB
 * of metadata instead of parsing a 48 MB file). Per source it also holds the {@link FileRuns}: the fingerprint of each
 * run of 128 consecutive paths and where its records lie in state.json, so that a pass that finds only some runs
 * changed loads just those ({@link StateStore#loadPart}).
 *
 * <p>It is derived data, written after every save of state.json (temp file, then rename) and tagged with that
 * save's {@code save_id} and the size and CRC32C of the file it wrote. It counts only while state.json is that
 * very file and its own checksum holds; a stale, torn or missing index, or a state.json damaged since, is
 * ignored, never trusted, and the pass loads state.json as it always did (and says what is wrong with it).
 */
public final class MetadataIndex {
    private static final byte[] MAGIC = "KWIDX6\n".getBytes(StandardCharsets.US_ASCII);

    private final String key;
    private final StateFileStamp stateFile;
    private final String hashAlgorithm;
    private final Map<String, SourceIndex> sources;

    private MetadataIndex(String key, StateFileStamp stateFile, String hashAlgorithm, Map<String, SourceIndex> sources) {
        this.key = key;
        this.stateFile = stateFile;
        this.hashAlgorithm = hashAlgorithm;
        this.sources = sources;
    }

    /** The save it is of: state.json's {@code save_id}, {@code @}, the last change log entry it includes. */
    public String key() {
        return key;
    }

    /** Every source it holds, by name. */
    public Map<String, SourceIndex> sources() {
        return sources;
    }

    /** The size and checksum of the state.json this index was written with. */
    public StateFileStamp stateFile() {
        return stateFile;
    }

    public String hashAlgorithm() {
        return hashAlgorithm;
    }

    /** The index of one source; empty when the state holds nothing of it. */
    public Optional<SourceIndex> source(String name) {
        return Optional.ofNullable(sources.get(name));
    }

    /** The size and CRC32C of a state.json file. */
    public record StateFileStamp(long size, int crc32c) {
        // equals and hashCode written out: a record's own bootstrap through invokedynamic the first time they run,
        // which spins some fifty classes (~10 ms of a fresh JVM), and a no-change pass compares just this once.
        @Override
        public boolean equals(Object o) {
            return o instanceof StateFileStamp s && s.size == size && s.crc32c == crc32c;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(size) * 31 + crc32c;
        }
    }

    /**
     * One source: its device, how many live files it has and their {@link Fingerprint}, and its retention outlook.
     *
     * @param policyKey the retention policy the outlook was asked of ({@link RetentionOutlook#policyKey})
     * @param nextRemoval the earliest instant at which that policy could remove something of the source as saved
     *     ({@link Instant#MAX}: never, unless something changes)
     * @param versionBytes the bytes of the source's old versions
     * @param deletedBytes the bytes of the source's deleted files
     */
    public record SourceIndex(String device, Fingerprint fingerprint, String policyKey, Instant nextRemoval,
            long versionBytes, long deletedBytes, FileRuns runs) {

        /** How many live files and (open) empty folders the source has: the entries of its fingerprint. */
        public int files() {
            return fingerprint.count();
        }

        /** Whether the files fingerprinted as {@code other} are exactly this source's live files. */
        public boolean sameFiles(Fingerprint other) {
            return fingerprint.equals(other);
        }
    }

    /**
     * Writes the index of a saved state: to a temp file beside {@code file}, then renamed over it. Not fsynced:
     * after a crash a torn index fails its checksum and is ignored.
     *
     * @param offsets where each source's file records lie in state.json (empty: unknown; the index then has no runs)
     */
    static void write(Fs fs, Path file, String key, StateFileStamp stateFile, String hashAlgorithm,
            Map<String, SourceState> sources, RetentionOutlook outlook, Instant now,
            Optional<Map<String, StateOffsets.Files>> offsets) throws IOException {
        Map<String, SourceIndex> out = new LinkedHashMap<>();
        for (Map.Entry<String, SourceState> e : sources.entrySet()) {
            SourceState s = e.getValue();
            Optional<StateOffsets.Files> where = offsets.map(o -> o.get(e.getKey()));
            out.put(e.getKey(), of(s, where, outlook.policyKey(e.getKey()), outlook.nextRemoval(e.getKey(), s.history().values(), now)));
        }
        write(fs, file, key, stateFile, hashAlgorithm, out);
    }

    /** The index of one source of a state, its runs where its records lie at {@code where} (if known). */
    static SourceIndex of(SourceState s, Optional<StateOffsets.Files> where, String policyKey, Instant nextRemoval) {
        FileRuns runs = where.filter(w -> w.records() > 0).map(w -> FileRuns.of(w, s)).orElse(FileRuns.NONE);
        Fingerprint files;
        if (!runs.list().isEmpty()) {
            files = runs.total();
        } else {
            Fingerprint.Builder fp = new Fingerprint.Builder();
            FileRuns.entries(s, fp::add, fp::addEmptyFolder);
            files = fp.build();
        }
        return withRuns(s, runs, files, policyKey, nextRemoval);
    }

    /** The index of a source whose files are fingerprinted as {@code files} (and {@code runs}). */
    static SourceIndex withRuns(SourceState s, FileRuns runs, Fingerprint files, String policyKey, Instant nextRemoval) {
        long versionBytes = 0;
        long deletedBytes = 0;
        for (PathHistory h : s.history().values()) {
            for (VersionRecord v : h.versions()) {
                versionBytes += v.size();
            }
            for (DeletionRecord d : h.deletions()) {
                deletedBytes += d.size();
            }
        }
        return new SourceIndex(s.device(), files, policyKey, nextRemoval, versionBytes, deletedBytes, runs);
    }

    /** Writes an index of the given sources (see {@link #write(Fs, Path, String, StateFileStamp, String, Map, RetentionOutlook, Instant, Optional)}). */
    static void write(Fs fs, Path file, String key, StateFileStamp stateFile, String hashAlgorithm,
            Map<String, SourceIndex> sources) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeUTF(key);
        out.writeLong(stateFile.size());
        out.writeInt(stateFile.crc32c());
        out.writeUTF(hashAlgorithm);
        out.writeInt(sources.size());
        for (Map.Entry<String, SourceIndex> e : sources.entrySet()) {
            SourceIndex s = e.getValue();
            out.writeUTF(e.getKey());
            out.writeUTF(s.device());
            out.writeUTF(s.policyKey());
            writeInstant(out, s.nextRemoval());
            out.writeLong(s.versionBytes());
            out.writeLong(s.deletedBytes());
            writePrint(out, s.fingerprint());
            s.runs().write(out);
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray(), 0, bytes.size());
        out.writeInt((int) crc.getValue());
        out.flush();

        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        fs.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes.toByteArray());
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        } catch (IOException e) {
            throw TempFiles.discard(fs, tmp, e);
        }
        fs.replaceAtomically(tmp, file);
    }

    static void writePrint(DataOutputStream out, Fingerprint f) throws IOException {
        out.writeInt(f.count());
        out.writeLong(f.a());
        out.writeLong(f.b());
    }

    static Fingerprint readPrint(DataInputStream in) throws IOException {
        return new Fingerprint(in.readInt(), in.readLong(), in.readLong());
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
    public static Optional<MetadataIndex> read(Fs fs, Path file, String saveId) throws IOException {
        byte[] bytes;
        try {
            bytes = fs.readAllBytes(file);
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
            StateFileStamp stamp = new StateFileStamp(in.readLong(), in.readInt());
            String algorithm = in.readUTF();
            int sourceCount = in.readInt();
            Map<String, SourceIndex> sources = new LinkedHashMap<>();
            for (int s = 0; s < sourceCount; s++) {
                String name = in.readUTF();
                String device = in.readUTF();
                String policyKey = in.readUTF();
                Instant nextRemoval = readInstant(in);
                long versionBytes = in.readLong();
                long deletedBytes = in.readLong();
                Fingerprint files = readPrint(in);
                // Runs that do not hold together are dropped, not the index: the no-change check needs none.
                FileRuns runs = FileRuns.read(in).filter(r -> r.valid(files, stamp.size())).orElse(FileRuns.NONE);
                sources.put(name, new SourceIndex(device, files, policyKey, nextRemoval, versionBytes, deletedBytes, runs));
            }
            if (in.available() != 0) {
                return Optional.empty();
            }
            return Optional.of(new MetadataIndex(id, stamp, algorithm, sources));
        } catch (IOException | IndexOutOfBoundsException e) {
            // The checksum held but the content does not parse: written by another version. Not trusted.
            return Optional.empty();
        }
    }
}
