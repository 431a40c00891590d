package io.keepwatch.repo;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where every blob is: blob id to pack and place in it, from the index objects (or rebuilt from pack
 * headers). An index object's plaintext is {@code "KWIX" 01 packs:u32} then per pack
 * {@code pack_id:32 count:u32} and that many entries as in a pack header; it is sealed with the associated
 * data of its own name ({@code index/<id>}).
 */
final class Index {
    /** Where one blob is. */
    record Location(String packId, Pack.Entry entry) {
    }

    private final Map<String, Location> blobs = new HashMap<>();
    private final Map<String, List<Pack.Entry>> packs = new LinkedHashMap<>();

    void addPack(String packId, List<Pack.Entry> entries) {
        packs.put(packId, List.copyOf(entries));
        for (Pack.Entry e : entries) {
            blobs.putIfAbsent(e.id(), new Location(packId, e));
        }
    }

    Optional<Location> find(String blobId) {
        return Optional.ofNullable(blobs.get(blobId));
    }

    boolean has(String blobId) {
        return blobs.containsKey(blobId);
    }

    Set<String> packIds() {
        return packs.keySet();
    }

    List<Pack.Entry> pack(String packId) {
        return packs.getOrDefault(packId, List.of());
    }

    int blobCount() {
        return blobs.size();
    }

    static byte[] encode(Map<String, List<Pack.Entry>> packs) {
        int size = 9;
        for (List<Pack.Entry> es : packs.values()) {
            size += 36 + es.size() * Pack.ENTRY_BYTES;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(0x4b574958).put((byte) 1).putInt(packs.size());
        for (Map.Entry<String, List<Pack.Entry>> p : packs.entrySet()) {
            b.put(java.util.HexFormat.of().parseHex(p.getKey()));
            b.putInt(p.getValue().size());
            Pack.writeEntries(b, p.getValue());
        }
        return b.array();
    }

    static Map<String, List<Pack.Entry>> decode(byte[] plain, String what) throws RepoException {
        ByteBuffer b = ByteBuffer.wrap(plain);
        if (plain.length < 9 || b.getInt() != 0x4b574958 || b.get() != 1) {
            throw new RepoException(what + ": not a keepwatch index");
        }
        int n = b.getInt();
        Map<String, List<Pack.Entry>> out = new LinkedHashMap<>();
        byte[] id = new byte[32];
        for (int i = 0; i < n; i++) {
            if (b.remaining() < 36) {
                throw new RepoException(what + ": ends inside pack " + i + " of " + n);
            }
            b.get(id);
            out.put(Hex.of(id), Pack.readEntries(b, b.getInt(), what));
        }
        if (b.hasRemaining()) {
            throw new RepoException(what + ": " + b.remaining() + " bytes after its last entry");
        }
        return out;
    }

    static List<String> ids(Collection<Pack.Entry> entries) {
        List<String> out = new ArrayList<>();
        entries.forEach(e -> out.add(e.id()));
        return out;
    }
}
