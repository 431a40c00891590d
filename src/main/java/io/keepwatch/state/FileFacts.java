package io.keepwatch.state;

/**
 * What keepwatch knows of one file's content and metadata.
 *
 * @param hash stored hash, {@code <algorithm>:<hex>}
 * @param size bytes
 * @param mtime last-modified time of the source file, nanoseconds since the epoch
 * @param inode the file key (device and inode) where the platform has one, else empty
 * @param perms POSIX permission bits as {@code rwxr-x---} where the platform has them, else empty
 */
public record FileFacts(String hash, long size, long mtime, String inode, String perms) {
}
