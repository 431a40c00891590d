package io.keepwatch.archive;

import io.keepwatch.repo.Crypto;
import io.keepwatch.repo.RepoException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The archive's framing. A header (plain, {@value #HEADER_BYTES} bytes) then segments:
 * <pre>
 * header  = "KWEXPORT" version:u8(1) repository_id:32 salt:32 key_check:32 segment_size:u32 checksum:16
 * segment = number:u32 flags:u8 length:u32 sealed[length]
 * </pre>
 * {@code key_check} = HMAC-SHA-256(archive key, "keepwatch export key check"); {@code checksum} = the first 16
 * bytes of SHA-256 of the header's first 109 bytes (it tells a damaged header from a wrong key). The archive key is
 * {@link Crypto#archiveKey} of the salt. Segment {@code n} is AES-256-GCM under the archive key with the nonce
 * {@code n:u64 flags:u8 00 00 00} and the whole header as associated data, so a segment moved, dropped, changed,
 * or taken from another archive does not open where it is. Flag 1 marks the last segment, the end marker, whose
 * plaintext is {@code "KWEND" objects:u64 object_bytes:u64}. Before it, the segments' plaintexts joined are the
 * objects, each {@code name_length:u16 name size:u64 bytes}, each starting a new segment.
 */
final class ArchiveFormat {
    static final byte[] MAGIC = "KWEXPORT".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int SEGMENT = 1 << 20;
    static final int CHECKED = 8 + 1 + 32 + 32 + 32 + 4;
    static final int HEADER_BYTES = CHECKED + 16;
    static final int FRAME_HEAD = 4 + 1 + 4;
    static final byte LAST = 1;
    static final byte[] END = "KWEND".getBytes(StandardCharsets.US_ASCII);
    static final int END_BYTES = END.length + 16;
    /** The largest object an archive may hold (packs are at most about 24 MiB). */
    static final long MAX_OBJECT = 256L << 20;

    private ArchiveFormat() {
    }

    /** The header of an archive. */
    record Header(byte[] bytes, String repoId, byte[] salt, byte[] keyCheck, int segmentSize) {
        /** SHA-256 of the header in hex: names the archive in an import's progress file. */
        String fingerprint() {
            return HexFormat.of().formatHex(sha256(bytes, bytes.length));
        }
    }

    static Header newHeader(String repoId, byte[] salt, byte[] archiveKey) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES);
        b.put(MAGIC).put((byte) VERSION).put(HexFormat.of().parseHex(repoId)).put(salt).put(keyCheck(archiveKey)).putInt(SEGMENT);
        b.put(sha256(b.array(), CHECKED), 0, 16);
        return parsed(b.array());
    }

    static byte[] keyCheck(byte[] archiveKey) {
        return Crypto.mac(archiveKey, "keepwatch export key check".getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads and checks the header (not the key: see {@link #checkKey}). */
    static Header readHeader(InputStream in, String what) throws IOException, RepoException {
        byte[] h = new byte[HEADER_BYTES];
        int n = readFully(in, h, 0, h.length);
        if (n < MAGIC.length || !Arrays.equals(Arrays.copyOf(h, MAGIC.length), MAGIC)) {
            throw new RepoException(what + " is not a keepwatch export archive (it does not begin with KWEXPORT)");
        }
        if (n < HEADER_BYTES) {
            throw new RepoException(what + " is truncated: it ends inside its header (" + n + " of " + HEADER_BYTES + " bytes)");
        }
        if (!Arrays.equals(Arrays.copyOf(sha256(h, CHECKED), 16), Arrays.copyOfRange(h, CHECKED, HEADER_BYTES))) {
            throw new RepoException(what + " is damaged: its header (bytes 0-" + (HEADER_BYTES - 1) + ") does not match its checksum");
        }
        if (h[8] != VERSION) {
            throw new RepoException(what + " is an export archive of format " + h[8] + "; this keepwatch reads format " + VERSION);
        }
        Header header = parsed(h);
        if (header.segmentSize() < 4096 || header.segmentSize() > (64 << 20)) {
            throw new RepoException(what + " is damaged: its segment size " + header.segmentSize() + " is out of range");
        }
        return header;
    }

    private static Header parsed(byte[] h) {
        ByteBuffer b = ByteBuffer.wrap(h);
        b.position(9);
        byte[] id = new byte[32];
        byte[] salt = new byte[32];
        byte[] check = new byte[32];
        b.get(id).get(salt).get(check);
        return new Header(h, HexFormat.of().formatHex(id), salt, check, b.getInt());
    }

    /** The archive key for {@code header}, or a {@link RepoException} saying the key is the wrong one. */
    static byte[] checkKey(Header header, String repoId, Crypto crypto, String keyName, String what) throws RepoException {
        if (!repoId.equals(header.repoId())) {
            throw new RepoException("wrong key: key file " + keyName + " is the key of repository " + repoId.substring(0, 8)
                    + ", but " + what + " was exported with the key of repository " + header.repoId().substring(0, 8));
        }
        byte[] key = crypto.archiveKey(header.salt());
        if (!MessageDigest.isEqual(keyCheck(key), header.keyCheck())) {
            throw new RepoException("wrong key: key file " + keyName + " does not open " + what + " (the archive's key check does not match)");
        }
        return key;
    }

    static byte[] nonce(long number, byte flags) {
        return ByteBuffer.allocate(12).putLong(number).put(flags).array();
    }

    static byte[] sha256(byte[] b, int len) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(b, 0, len);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java", e);
        }
    }

    /** Reads until {@code len} bytes or the end; returns how many were read. */
    static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int n = 0;
        while (n < len) {
            int r = in.read(b, off + n, len - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }
}
