/**
 * The seam between keepwatch and the filesystem. {@link io.keepwatch.fs.Fs} names every operation whose
 * failure the engine must survive (open, write, fsync, rename, link, delete, mkdir), so tests can inject
 * permission denied, disk full or vanished files on jimfs or as root. {@link io.keepwatch.fs.BackupRoot} is the
 * one door to the backup root: every operation of every command on it goes through there, and is refused when a
 * path leaves the root or passes through a symbolic link; {@link io.keepwatch.fs.RelPath} checks relative paths
 * read from disk, refusing {@code ..}, absolute and drive-letter forms and NUL. The rule: every file operation on
 * the backup root goes through {@link io.keepwatch.fs.Fs} (its files and folders, and keepwatch's own files there:
 * state.json, the journal, the change log, guard and policy files), so a test can make each one fail; repo, archive,
 * web, config, cli and restore targets write elsewhere (a repository, an archive, a restore target, the user's
 * config and logs) and are not bound by it.
 * {@link io.keepwatch.fs.FileNames} turns a file name into a String and back without loss (a Linux name is bytes),
 * and {@link io.keepwatch.fs.NameText} is how a name is shown in log lines and CLI output (control characters and
 * bytes that are not UTF-8 escaped). {@link io.keepwatch.fs.NameNumbers} reads a number back from a name in the
 * backup root only in the one spelling keepwatch writes. {@link io.keepwatch.fs.Modes} owns the permission bits of what keepwatch
 * makes: owner-only from creation, a folder's own mode set once it is filled (docs/security.md, "Who can read the
 * backup"). {@link io.keepwatch.fs.DirectIo} holds O_DIRECT's alignment rules, aligned buffers and the direct open,
 * for the reads and writes that bypass the page cache (push's reads and pack writes, check's pack reads, verify's
 * large files).
 */
package io.keepwatch.fs;
