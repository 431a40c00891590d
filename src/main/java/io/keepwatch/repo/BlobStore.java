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

    /** {@code length} bytes from {@code offset}; an {@link java.io.EOFException} if the object is shorter. */
    byte[] getRange(String name, long offset, int length) throws IOException;

    /** Every object whose name starts with {@code prefix}, sorted by name. */
    List<Entry> list(String prefix) throws IOException;

    /** The size of the object, or empty if there is none. */
    Optional<Long> stat(String name) throws IOException;

    /** Removes the object; no error if it is already gone. */
    void delete(String name) throws IOException;

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
