package io.keepwatch.archive;

import io.keepwatch.repo.Crypto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Writes an archive in one pass: the header, then each object as whole segments (an object starts a new
 * segment), then the end marker. Nothing is written twice and nothing is sought back to, so the output may be a pipe.
 */
final class ArchiveWriter {
    private final OutputStream out;
    private final ArchiveFormat.Header header;
    private final byte[] key;
    private final byte[] buf = new byte[ArchiveFormat.SEGMENT];
    private int filled;
    private long number;
    private long objects;
    private long objectBytes;
    private long written;

    /** Starts an archive for the repository {@code repoId} under the master key of {@code crypto}; writes the header. */
    ArchiveWriter(OutputStream out, String repoId, Crypto crypto) throws IOException {
        this.out = out;
        byte[] salt = Crypto.randomBytes(32);
        this.key = crypto.archiveKey(salt);
        this.header = ArchiveFormat.newHeader(repoId, salt, key);
        out.write(header.bytes());
        written = header.bytes().length;
    }

    /** Appends one object. */
    void object(String name, byte[] data) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        put(ByteBuffer.allocate(2 + n.length + 8).putShort((short) n.length).put(n).putLong(data.length).array());
        put(data);
        flushSegment((byte) 0);
        objects++;
        objectBytes += data.length;
    }

    private void put(byte[] data) throws IOException {
        int off = 0;
        while (off < data.length) {
            int n = Math.min(buf.length - filled, data.length - off);
            System.arraycopy(data, off, buf, filled, n);
            filled += n;
            off += n;
            if (filled == buf.length) {
                flushSegment((byte) 0);
            }
        }
    }

    private void flushSegment(byte flags) throws IOException {
        if (filled == 0 && flags == 0) {
            return;
        }
        byte[] sealed = Crypto.sealWithNonce(key, ArchiveFormat.nonce(number, flags), header.bytes(), buf, 0, filled);
        out.write(ByteBuffer.allocate(ArchiveFormat.FRAME_HEAD).putInt((int) number).put(flags).putInt(sealed.length).array());
        out.write(sealed);
        written += ArchiveFormat.FRAME_HEAD + sealed.length;
        number++;
        filled = 0;
    }

    /** Writes the end marker and flushes the output; the archive is complete. */
    void finish() throws IOException {
        ByteBuffer end = ByteBuffer.allocate(ArchiveFormat.END_BYTES).put(ArchiveFormat.END).putLong(objects).putLong(objectBytes);
        System.arraycopy(end.array(), 0, buf, 0, end.capacity());
        filled = end.capacity();
        flushSegment(ArchiveFormat.LAST);
        out.flush();
    }

    long objects() {
        return objects;
    }

    /** Bytes of archive written so far. */
    long written() {
        return written;
    }
}
