/**
 * The seam between the engine and the filesystem. {@link io.keepwatch.fs.Fs} names every operation whose
 * failure the engine must survive (open, write, fsync, rename, link), so tests can inject permission
 * denied, disk full or vanished files on jimfs or as root; {@link io.keepwatch.fs.SafeDirs} creates folders
 * in the backup root without following planted symbolic links. {@link io.keepwatch.fs.FileNames} turns a file
 * name into a String and back without loss (a Linux name is bytes), and {@link io.keepwatch.fs.NameText} is how
 * a name is shown in log lines and CLI output (control characters and bytes that are not UTF-8 escaped).
 * {@link io.keepwatch.fs.Modes} owns the permission bits of what keepwatch makes: owner-only from creation, a
 * folder's own mode set once it is filled (docs/security.md, "Who can read the backup").
 */
package io.keepwatch.fs;
