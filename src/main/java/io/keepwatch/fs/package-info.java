/**
 * The seam between the engine and the filesystem. {@link io.keepwatch.fs.Fs} names every operation whose
 * failure the engine must survive (open, write, fsync, rename, link), so tests can inject permission
 * denied, disk full or vanished files on jimfs or as root; {@link io.keepwatch.fs.SafeDirs} creates folders
 * in the backup root without following planted symbolic links.
 */
package io.keepwatch.fs;
