package io.keepwatch.archive;

import io.keepwatch.engine.Progress;
import io.keepwatch.repo.BlobStore;
import io.keepwatch.repo.Crypto;
import io.keepwatch.repo.RepoException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import javax.crypto.AEADBadTagException;

/**
 * Reads an archive's objects in order, checking every segment where it stands: its number (so a moved, dropped or
 * repeated segment is named as out of order), its authentication (a changed byte), the end marker (an archive
 * that stops before it is named as truncated, with the last whole segment) and that nothing follows it. Each
 * object is returned only once every segment holding it has been checked. May start at a segment boundary
 * (an import resuming where it stopped).
 */
final class ArchiveReader {
    /** One object of the archive. */
    record Obj(String name, byte[] data) {
    }

    private record Segment(long number, boolean last, byte[] plain, long start) {
    }

    private final InputStream in;
    private final ArchiveFormat.Header header;
    private final byte[] key;
    private final String what;
    private final Progress progress;
    private long number;
    private long offset;
    private long objects;
    private long objectBytes;

    /**
     * @param number the number of the segment {@code in} is at
     * @param offset its byte offset in the archive
     * @param objects how many objects (and {@code objectBytes}) the segments before it held
     */
    ArchiveReader(InputStream in, ArchiveFormat.Header header, byte[] key, String what, long number, long offset, long objects,
            long objectBytes, Progress progress) {
        this.in = in;
        this.header = header;
        this.key = key;
        this.what = what;
        this.number = number;
        this.offset = offset;
        this.objects = objects;
        this.objectBytes = objectBytes;
        this.progress = progress;
    }

    /** The number of the next segment. */
    long number() {
        return number;
    }

    /** The byte offset of the next segment. */
    long offset() {
        return offset;
    }

    long objects() {
        return objects;
    }

    long objectBytes() {
        return objectBytes;
    }

    /** The next object; empty after the end marker, once it and the end of the archive are checked. */
    Optional<Obj> next() throws IOException, RepoException {
        Segment first = segment();
        if (first.last()) {
            end(first);
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(first.plain());
        String where = "object " + (objects + 1) + " (segment " + first.number() + ")";
        if (b.remaining() < 2) {
            throw damaged(where + " has no name");
        }
        int nameLength = b.getShort() & 0xffff;
        if (nameLength == 0 || nameLength > 200 || b.remaining() < nameLength + 8) {
            throw damaged(where + " has a malformed name");
        }
        byte[] nb = new byte[nameLength];
        b.get(nb);
        String name = new String(nb, StandardCharsets.UTF_8);
        try {
            BlobStore.checkName(name);
        } catch (IllegalArgumentException e) {
            throw damaged(where + ": " + e.getMessage());
        }
        if (!name.equals("config") && !name.startsWith("data/") && !name.startsWith("index/") && !name.startsWith("snapshots/")) {
            throw damaged(where + " is named '" + name + "', not a repository object an archive holds");
        }
        long size = b.getLong();
        if (size < 0 || size > ArchiveFormat.MAX_OBJECT) {
            throw damaged(where + " '" + name + "' claims " + size + " bytes");
        }
        byte[] data = new byte[(int) size];
        int have = copy(b, data, 0, name);
        while (have < data.length) {
            Segment s = segment();
            if (s.last()) {
                throw damaged("the end marker (segment " + s.number() + ") comes inside object '" + name + "'");
            }
            have = copy(ByteBuffer.wrap(s.plain()), data, have, name);
        }
        objects++;
        objectBytes += size;
        return Optional.of(new Obj(name, data));
    }

    private int copy(ByteBuffer b, byte[] data, int at, String name) throws RepoException {
        int n = Math.min(b.remaining(), data.length - at);
        b.get(data, at, n);
        if (b.hasRemaining()) {
            throw damaged("segment " + (number - 1) + " holds " + b.remaining() + " bytes after the end of object '" + name + "'");
        }
        return at + n;
    }

    private void end(Segment s) throws IOException, RepoException {
        ByteBuffer b = ByteBuffer.wrap(s.plain());
        if (s.plain().length != ArchiveFormat.END_BYTES
                || !Arrays.equals(Arrays.copyOf(s.plain(), ArchiveFormat.END.length), ArchiveFormat.END)) {
            throw damaged("its end marker (segment " + s.number() + ") is malformed");
        }
        b.position(ArchiveFormat.END.length);
        long n = b.getLong();
        long bytes = b.getLong();
        if (n != objects || bytes != objectBytes) {
            throw damaged("its end marker counts " + n + " objects of " + bytes + " bytes, but " + objects + " objects of "
                    + objectBytes + " bytes came before it");
        }
        byte[] more = new byte[4096];
        long extra = 0;
        for (int r; (r = in.read(more)) >= 0;) {
            extra += r;
        }
        if (extra > 0) {
            throw new RepoException(what + " has " + extra + " bytes after its end marker (at byte " + offset
                    + "): another archive or data was appended; nothing after the end marker is read");
        }
    }

    private Segment segment() throws IOException, RepoException {
        long start = offset;
        byte[] head = new byte[ArchiveFormat.FRAME_HEAD];
        int n = ArchiveFormat.readFully(in, head, 0, head.length);
        if (n == 0) {
            throw new RepoException(what + " is truncated: it ends " + (number == 0 ? "right after its header"
                    : "after segment " + (number - 1)) + " (at byte " + start + ") without its end marker");
        }
        if (n < head.length) {
            throw truncatedIn(start, n);
        }
        ByteBuffer h = ByteBuffer.wrap(head);
        long stated = h.getInt() & 0xffffffffL;
        byte flags = h.get();
        int length = h.getInt();
        if (length < Crypto.TAG || length > header.segmentSize() + Crypto.TAG) {
            throw damaged("segment " + number + " (at byte " + start + ") has an impossible length field (" + length + " bytes)");
        }
        byte[] sealed = new byte[length];
        int r = ArchiveFormat.readFully(in, sealed, 0, length);
        if (r < length) {
            throw truncatedIn(start, head.length + r);
        }
        offset += head.length + length;
        progress.advance(head.length + length);
        byte[] plain;
        if (stated == number) {
            plain = open(number, flags, sealed);
            if (plain == null) {
                throw damaged("segment " + number + " (bytes " + start + "-" + (offset - 1)
                        + ") does not authenticate: a byte in it was changed, or it is not from this archive");
            }
        } else {
            if (open(stated, flags, sealed) != null) {
                throw new RepoException(what + " is out of order: segment " + stated + " is where segment " + number
                        + " belongs (at byte " + start + "); segments were moved, dropped or repeated");
            }
            throw damaged("segment " + number + " (bytes " + start + "-" + (offset - 1)
                    + ") does not authenticate: a byte in it was changed, or it is not from this archive");
        }
        number++;
        return new Segment(number - 1, flags == ArchiveFormat.LAST, plain, start);
    }

    private byte[] open(long n, byte flags, byte[] sealed) {
        if (flags != 0 && flags != ArchiveFormat.LAST) {
            return null;
        }
        try {
            return Crypto.openWithNonce(key, ArchiveFormat.nonce(n, flags), header.bytes(), sealed, 0, sealed.length);
        } catch (AEADBadTagException e) {
            return null;
        }
    }

    private RepoException truncatedIn(long start, int got) {
        return new RepoException(what + " is truncated: it ends inside segment " + number + " (which starts at byte " + start
                + "; " + got + " bytes of it are there) without its end marker");
    }

    private RepoException damaged(String detail) {
        return new RepoException(what + " is damaged: " + detail);
    }
}
