package io.keepwatch.repo;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A pack: sealed blobs one after another, then the sealed header listing them, then the header's sealed
 * length as a 4-byte big-endian number. A blob is {@code seal(aad = type || id, flag || bytes)} where flag
 * 0 means the bytes are the plaintext and 1 that they are zstd of it. The header's plaintext is
 * {@code "KWPK" 01 count:u32} then per blob {@code type:u8 id:32 offset:u32 length:u32 raw_length:u32}, sealed
 * with the associated data {@code "keepwatch pack header " + pack id}. The index objects repeat these entries;
 * a lost index is rebuilt from the headers.
 */
final class Pack {
    static final byte DATA = 0;
    static final byte TREE = 1;
    static final int ENTRY_BYTES = 1 + 32 + 4 + 4 + 4;
    /** A pack is finished once it holds this much; chunks are at most 8 MiB, so packs are 16-24 MiB. */
    static final int TARGET = 16 * 1024 * 1024;

    /** One blob of a pack. */
    record Entry(byte type, String id, int offset, int length, int rawLength) {
    }

    private Pack() {
    }

    static String name(String packId) {
        return "data/" + packId.substring(0, 2) + "/" + packId;
    }

    static byte[] blobAad(byte type, byte[] id) {
        byte[] aad = new byte[33];
        aad[0] = type;
        System.arraycopy(id, 0, aad, 1, 32);
        return aad;
    }

    static byte[] headerAad(String packId) {
        return Crypto.utf8("keepwatch pack header " + packId);
    }

    static void writeEntries(ByteBuffer b, List<Entry> entries) {
        for (Entry e : entries) {
            b.put(e.type());
            b.put(Hex.bytes(e.id()));
            b.putInt(e.offset()).putInt(e.length()).putInt(e.rawLength());
        }
    }

    static List<Entry> readEntries(ByteBuffer b, int count, String what) throws RepoException {
        if (count < 0 || (long) count * ENTRY_BYTES > b.remaining()) {
            throw new RepoException(what + ": lists " + count + " entries but holds only " + b.remaining() + " bytes");
        }
        List<Entry> out = new ArrayList<>(count);
        byte[] id = new byte[32];
        for (int i = 0; i < count; i++) {
            byte type = b.get();
            b.get(id);
            int off = b.getInt();
            int len = b.getInt();
            int raw = b.getInt();
            if (type != DATA && type != TREE || off < 0 || len < Crypto.OVERHEAD + 1 || raw < 0) {
                throw new RepoException(what + ": entry " + i + " is malformed");
            }
            out.add(new Entry(type, Hex.of(id), off, len, raw));
        }
        return out;
    }

    /** Parses a pack's header from the pack's tail ({@code tail} holds the last bytes of the pack, at least the header). */
    static List<Entry> header(Crypto crypto, String packId, byte[] sealedHeader) throws RepoException {
        byte[] plain;
        try {
            plain = crypto.open(headerAad(packId), sealedHeader, 0, sealedHeader.length);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new RepoException("pack " + name(packId) + ": its header does not decrypt (damaged, or not of this repository)");
        }
        ByteBuffer b = ByteBuffer.wrap(plain);
        if (plain.length < 9 || b.getInt() != 0x4b57504b || b.get() != 1) {
            throw new RepoException("pack " + name(packId) + ": its header is not a keepwatch pack header");
        }
        return readEntries(b, b.getInt(), "pack " + name(packId) + " header");
    }

    /**
     * Collects blobs into one pack in memory: the sealed blobs are kept as they are and handed to the store as the
     * pack's parts, which a local store writes with gathering writes (a 24 MiB buffer per pack, then a copy of it,
     * was two large allocations and copies of every byte pushed; one array of the whole pack was still one of each).
     */
    static final class Builder {
        private final List<byte[]> blobs = new ArrayList<>();
        private final List<Entry> entries = new ArrayList<>();
        private int size;

        void add(byte type, String id, byte[] sealed, int rawLength) {
            entries.add(new Entry(type, id, size, sealed.length, rawLength));
            blobs.add(sealed);
            size += sealed.length;
        }

        int size() {
            return size;
        }

        boolean isEmpty() {
            return entries.isEmpty();
        }

        List<Entry> entries() {
            return List.copyOf(entries);
        }

        /** The finished pack's bytes, in parts: the sealed blobs, then the sealed header and its length. */
        List<byte[]> finish(Crypto crypto, String packId) {
            ByteBuffer h = ByteBuffer.allocate(9 + entries.size() * ENTRY_BYTES);
            h.putInt(0x4b57504b).put((byte) 1).putInt(entries.size());
            writeEntries(h, entries);
            byte[] sealed = crypto.seal(headerAad(packId), h.array(), 0, h.capacity());
            List<byte[]> parts = new ArrayList<>(blobs.size() + 1);
            parts.addAll(blobs);
            parts.add(ByteBuffer.allocate(sealed.length + 4).put(sealed).putInt(sealed.length).array());
            return parts;
        }
    }
}
