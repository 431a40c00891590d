package io.keepwatch.state;

import java.util.ConcurrentModificationException;
import java.util.NoSuchElementException;

/**
 * A walk over one source's live files in path order that compares them with what a scan found in the table's
 * columns: no path, record or hash text is made for a file unless asked for ({@link #rel}, {@link #file}), so a full
 * pass over a million unchanged files makes no object per file here. A file added or removed while walking ends the
 * walk with a {@link ConcurrentModificationException}. Made by {@link BackupState#liveCursor}.
 */
public final class LiveCursor {
    private final LiveTable table;
    private final int[] order;
    private final int length;
    private final int modCount;
    private final long[] inodeWords = new long[2];
    private int at;

    LiveCursor(LiveTable table) {
        this.table = table;
        this.order = table == null ? new int[0] : table.order();
        this.length = table == null ? 0 : table.orderLength();
        this.modCount = table == null ? 0 : table.modCount();
    }

    /** Whether the walk is on a file (not past the last). */
    public boolean hasFile() {
        return at < length;
    }

    /** Steps to the next file in path order. */
    public void next() {
        slot();
        at++;
    }

    /** The current file's path compared with {@code rel}, as {@link String#compareTo} of the two paths. */
    public int compareTo(String rel) {
        return table.compareTo(slot(), rel);
    }

    /** The current file's relative path (made afresh). */
    public String rel() {
        return table.rel(slot());
    }

    /** The current file's record (made afresh). */
    public LiveFile file() {
        return table.file(slot());
    }

    /** Whether the current file is recorded with this size, mtime and file key ({@link LiveFile#sameMetadata}). */
    public boolean sameMetadata(long size, long mtime, String inode) {
        boolean readable = !inode.isEmpty() && LiveCodec.encodeInode(inode, inodeWords, 0);
        return table.sameMetadata(slot(), size, mtime, inode, readable ? inodeWords : null);
    }

    /** Whether the current file is recorded with these permission bits. */
    public boolean samePerms(String perms) {
        return table.samePerms(slot(), perms, table.codec().codeOfPerms(perms));
    }

    private int slot() {
        if (at >= length) {
            throw new NoSuchElementException();
        }
        if (table.modCount() != modCount) {
            throw new ConcurrentModificationException("live files of " + table.source + " changed while matching a scan");
        }
        return order[at];
    }
}
