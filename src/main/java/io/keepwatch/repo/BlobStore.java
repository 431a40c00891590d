package io.keepwatch.repo;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * The few operations the repository needs from where its objects live, chosen so that a folder and an
 * S3-compatible bucket can both provide them: objects are write-once and named by the repository, never
 * modified in place; a name is {@code /}-separated lower-case ASCII ({@code config}, {@code data/ab/<id>},
 * {@code index/<id>}, {@code snapshots/<id>}, {@code locks/<id>}). Only prune and lock release delete.
 */
public interface BlobStore extends Closeable {
    /** One object: its name and size in bytes. */
    record Entry(String name, long size) {
    }

    /**
     * Stores {@code data} under {@code name} unless an object of that name exists.
     *
     * @return false, changing nothing, if the name was taken
     */
    boolean putIfAbsent(String name, byte[] data) throws IOException;

    /** The whole object; {@link java.nio.file.NoSuchFileException} if there is none. */
    byte[] get(String name) throws IOException;

    /**
     * The whole object in a buffer (position 0, limit its size): {@code reuse} when it is large enough, else a new
     * one. A reader of many large objects ({@code check --read-data}) passes the buffer it got last time, so it
     * allocates nothing per object; a store that reads files overrides this to read straight into a direct buffer.
     */
    default java.nio.ByteBuffer get(String name, java.nio.ByteBuffer reuse) throws IOException {
        return java.nio.ByteBuffer.wrap(get(name));
    }

    /**
     * A buffer that {@link #get(String, java.nio.ByteBuffer)} fills with any object of up to {@code capacity} bytes
     * without allocating another, or null when that {@code get} does not reuse buffers: a reader that knows the largest
     * object it will read allocates one buffer per thread up front, instead of a larger one each time a larger object
     * comes (each new direct buffer is zeroed and paged in: 0.3-0.5 s of CPU in check --read-data of 1 GiB).
     */
    default java.nio.ByteBuffer buffer(int capacity) {
        return null;
    }

    /** {@code length} bytes from {@code offset}; an {@link java.io.EOFException} if the object is shorter. */
    byte[] getRange(String name, long offset, int length) throws IOException;

    /** Every object whose name starts with {@code prefix}, sorted by name. */
    List<Entry> list(String prefix) throws IOException;

    /** The size of the object, or empty if there is none. */
    Optional<Long> stat(String name) throws IOException;

    /** Removes the object; no error if it is already gone. */
    void delete(String name) throws IOException;

    /**
     * Stores a new object under a name nobody else uses (a pack: its id is random). A store may return before
     * the object is stored and upload it in the background; {@link #awaitPuts} waits for every such write and
     * throws the first failure (the name being taken is a {@link java.nio.file.FileAlreadyExistsException}).
     * Index objects are written only after it returned, so an index never names a pack that is not stored.
     */
    default void putNew(String name, byte[] data) throws IOException {
        if (!putIfAbsent(name, data)) {
            throw new java.nio.file.FileAlreadyExistsException(describe() + ": " + name + " already exists (random ids collided?)");
        }
    }

    /**
     * {@link #putNew(String, byte[])} of the object made of {@code parts} one after another (a pack: its sealed blobs,
     * then its header), which the caller hands over. This default joins them into one array; a store that can write
     * the parts as they are (a gathering write) saves that copy.
     */
    default void putNew(String name, java.util.List<byte[]> parts) throws IOException {
        long size = size(parts);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IOException(name + ": object too large (" + size + " bytes)");
        }
        byte[] all = new byte[(int) size];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, off, p.length);
            off += p.length;
        }
        putNew(name, all);
    }

    /** The length of the object made of {@code parts}. */
    static long size(java.util.List<byte[]> parts) {
        long n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        return n;
    }

    /** Waits for every {@link #putNew} still running; throws the first failure. */
    default void awaitPuts() throws IOException {
    }

    /**
     * Waits for the {@link #putNew} of each of {@code names} (a store may wait for more); throws the first failure
     * of those, or of any other that has finished.
     */
    default void awaitPuts(java.util.Collection<String> names) throws IOException {
        awaitPuts();
    }

    /**
     * Whether the store refuses every delete (an append-only S3 repository): prune is refused, and a lock object
     * is left to go stale instead of being removed.
     */
    default boolean appendOnly() {
        return false;
    }

    /** Until when the object is kept unchangeable by the storage (S3 Object Lock); empty if it is not. */
    default Optional<java.time.Instant> retainedUntil(String name) throws IOException {
        return Optional.empty();
    }

    /**
     * Makes the store's top place (a folder) if it is missing. Only {@code init} calls it: for any other
     * command a missing repository folder (an unmounted disk) is an error, never a new empty repository.
     */
    void create() throws IOException;

    /** Where the store is, for messages (a folder path or a URL; never a credential). */
    String describe();

    /** Checks a name before it reaches the store, since names are also read from untrusted listings. */
    static String checkName(String name) {
        if (name.isEmpty() || name.length() > 200 || name.startsWith("/") || name.endsWith("/") || name.contains("//")) {
            throw new IllegalArgumentException("invalid repository object name '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '/' || c == '-' || c == '_')) {
                throw new IllegalArgumentException("invalid repository object name '" + name + "'");
            }
        }
        return name;
    }
}
