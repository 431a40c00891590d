package io.keepwatch.scan;

/**
 * A regular file found in a source, from its metadata only (nothing was read).
 *
 * @param rel path relative to the source root, {@code /}-separated
 * @param mtime last-modified time in nanoseconds since the epoch
 * @param inode the platform's file key, or empty
 * @param perms POSIX permissions as {@code rwxr-x---}, or empty
 */
public record ScannedFile(String rel, long size, long mtime, String inode, String perms) {
}
