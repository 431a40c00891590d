package io.keepwatch.archive;

import io.keepwatch.repo.BlobStore;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A write-only store that streams each object it is given into an archive, as the export's repository. It
 * remembers every name and size, and keeps the small objects (config, index, snapshots) so the repository can
 * read them back; packs go out and are not kept. Locks are kept in memory only and never written: nobody else
 * can reach this repository.
 */
final class StreamStore implements BlobStore {
    private final ArchiveWriter writer;
    private final String describe;
    private final TreeMap<String, Long> sizes = new TreeMap<>();
    private final TreeMap<String, byte[]> kept = new TreeMap<>();

    StreamStore(ArchiveWriter writer, String describe) {
        this.writer = writer;
        this.describe = describe;
    }

    @Override
    public boolean putIfAbsent(String name, byte[] data) throws IOException {
        BlobStore.checkName(name);
        if (sizes.containsKey(name)) {
            return false;
        }
        if (!name.startsWith("locks/")) {
            writer.object(name, data);
        }
        sizes.put(name, (long) data.length);
        if (!name.startsWith("data/")) {
            kept.put(name, data.clone());
        }
        return true;
    }

    @Override
    public byte[] get(String name) throws IOException {
        byte[] b = kept.get(name);
        if (b == null) {
            if (sizes.containsKey(name)) {
                throw new IOException(name + " went into the archive and cannot be read back (" + describe + " is written in one pass)");
            }
            throw new NoSuchFileException(name);
        }
        return b.clone();
    }

    @Override
    public byte[] getRange(String name, long offset, int length) throws IOException {
        byte[] b = get(name);
        if (offset + length > b.length) {
            throw new java.io.EOFException(name + " has " + b.length + " bytes");
        }
        return java.util.Arrays.copyOfRange(b, (int) offset, (int) offset + length);
    }

    @Override
    public List<Entry> list(String prefix) {
        List<Entry> out = new ArrayList<>();
        for (var e : sizes.tailMap(prefix).entrySet()) {
            if (!e.getKey().startsWith(prefix)) {
                break;
            }
            out.add(new Entry(e.getKey(), e.getValue()));
        }
        return out;
    }

    @Override
    public Optional<Long> stat(String name) {
        return Optional.ofNullable(sizes.get(name));
    }

    @Override
    public void delete(String name) throws IOException {
        if (!name.startsWith("locks/")) {
            throw new IOException(name + " is in the archive already; " + describe + " is written in one pass");
        }
        sizes.remove(name);
        kept.remove(name);
    }

    @Override
    public void create() {
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
    }
}
