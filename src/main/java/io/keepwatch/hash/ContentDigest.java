package io.keepwatch.hash;

import java.nio.ByteBuffer;

/**
 * One running content hash: the bytes of one file, fed in order, then its digest. Made by a {@link DigestEngine};
 * close it when done (a native one holds memory outside the heap). Not thread-safe: one thread feeds one digest.
 */
public interface ContentDigest extends AutoCloseable {
    /** Adds the bytes from {@code bytes}' position to its limit, and moves its position to its limit. */
    void update(ByteBuffer bytes);

    /** The digest of everything added; the digest cannot be used after this. */
    byte[] finish();

    @Override
    void close();
}
