package io.keepwatch.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One source's live files, stored compactly (issue 14: a million files in well under 200 MB): each file is a
 * <em>slot</em>, a number, and its fields are columns indexed by it: its folder's number ({@link FolderNames}) and its
 * own name, size and mtime as longs, the content hash as four longs and a prefix code, the file key as two longs, the
 * perms as a code ({@link LiveCodec}) and the {@code since} instant (shared by every file copied in the same pass).
 * A value that has no compact form is kept as text in a column made only when one is needed, as is
 * {@code duplicate_of}. Paths are found through an open-addressing table of slots, and kept in path order
 * ({@link String#compareTo} of the whole relative path, the order a scan and state.json use) as an array of slots:
 * files added since the last sort wait in a second array and are merged in when an ordered view is asked for.
 * A removed file's slot is reused only after that merge, so the ordered array never names a slot that holds another
 * path. {@link LiveFile} records are made on demand. About 670 lines: the columns, the path table and the order are
 * one structure and change together; the path order (merge, binary searches, folder ranges) is the part to move into
 * a class of its own next.
 */
final class LiveTable {
    /** This table's number among its state's tables (the content-hash index names a file by table and slot). */
    final int number;
    final String source;
    private final LiveCodec codec;
    private FolderNames folders;

    private int[] folder;
    private String[] name;
    private long[] size;
    private long[] mtime;
    private long[] hash;
    private long[] inode;
    private byte[] hashCode;
    private byte[] permsCode;
    /** 0: no file key (empty), 1: in {@link #inode}, 2: text in {@link #oddInode}. */
    private byte[] inodeKind;
    private Instant[] since;
    private String[] oddHash;
    private String[] oddInode;
    private String[] oddPerms;
    private String[] duplicateOf;

    /** Slots [0, used) have been handed out; {@code count} of them hold a file. */
    private int used;
    private int count;
    /** Open addressing: slot + 1, 0 for an empty place; length a power of two, at most 70% full. */
    private int[] index;
    private int[] order;
    private int orderLen;
    private int[] added;
    private int addedLen;
    private int removedSinceSort;
    private int[] free;
    private int freeCount;
    private int modCount;
    /** The path table is to be made before it is used (files were loaded in order without it). */
    private boolean indexStale;
    /** The last path {@link #load} appended in order, and its slot. */
    private String lastLoaded;
    private int lastLoadedSlot = -1;

    LiveTable(int number, String source, LiveCodec codec) {
        this.number = number;
        this.source = source;
        this.codec = codec;
        this.folders = new FolderNames();
        allocate(16);
        index = new int[32];
        order = new int[0];
        added = new int[16];
        free = new int[0];
    }

    private void allocate(int capacity) {
        folder = new int[capacity];
        name = new String[capacity];
        size = new long[capacity];
        mtime = new long[capacity];
        hash = new long[capacity * 4];
        inode = new long[capacity * 2];
        hashCode = new byte[capacity];
        permsCode = new byte[capacity];
        inodeKind = new byte[capacity];
        since = new Instant[capacity];
    }

    private void grow() {
        int capacity = name.length + (name.length >> 1);
        folder = Arrays.copyOf(folder, capacity);
        name = Arrays.copyOf(name, capacity);
        size = Arrays.copyOf(size, capacity);
        mtime = Arrays.copyOf(mtime, capacity);
        hash = Arrays.copyOf(hash, capacity * 4);
        inode = Arrays.copyOf(inode, capacity * 2);
        hashCode = Arrays.copyOf(hashCode, capacity);
        permsCode = Arrays.copyOf(permsCode, capacity);
        inodeKind = Arrays.copyOf(inodeKind, capacity);
        since = Arrays.copyOf(since, capacity);
        oddHash = oddHash == null ? null : Arrays.copyOf(oddHash, capacity);
        oddInode = oddInode == null ? null : Arrays.copyOf(oddInode, capacity);
        oddPerms = oddPerms == null ? null : Arrays.copyOf(oddPerms, capacity);
        duplicateOf = duplicateOf == null ? null : Arrays.copyOf(duplicateOf, capacity);
    }

    /** A copy that shares nothing that changes (for a snapshot written while this table goes on changing). */
    LiveTable copy() {
        sort();
        if (indexStale) {
            buildIndex();
        }
        LiveTable c = new LiveTable(number, source, codec);
        c.folders = folders.copy();
        c.folder = folder.clone();
        c.name = name.clone();
        c.size = size.clone();
        c.mtime = mtime.clone();
        c.hash = hash.clone();
        c.inode = inode.clone();
        c.hashCode = hashCode.clone();
        c.permsCode = permsCode.clone();
        c.inodeKind = inodeKind.clone();
        c.since = since.clone();
        c.oddHash = oddHash == null ? null : oddHash.clone();
        c.oddInode = oddInode == null ? null : oddInode.clone();
        c.oddPerms = oddPerms == null ? null : oddPerms.clone();
        c.duplicateOf = duplicateOf == null ? null : duplicateOf.clone();
        c.used = used;
        c.count = count;
        c.index = index.clone();
        c.order = Arrays.copyOf(order, orderLen);
        c.orderLen = orderLen;
        c.free = free.clone();
        c.freeCount = freeCount;
        return c;
    }

    int size() {
        return count;
    }

    int modCount() {
        return modCount;
    }

    // ---- one file ----

    /** The slot of the file at {@code rel}, or -1. */
    int slotOf(String rel) {
        if (indexStale) {
            buildIndex();
        }
        int slash = rel.lastIndexOf('/');
        int fid = folders.find(rel, slash);
        if (fid < 0) {
            return -1;
        }
        int nameLen = rel.length() - slash - 1;
        int h = 0;
        for (int i = slash + 1; i < rel.length(); i++) {
            h = 31 * h + rel.charAt(i);
        }
        int mask = index.length - 1;
        for (int i = place(fid, h) & mask; index[i] != 0; i = (i + 1) & mask) {
            int s = index[i] - 1;
            String n = name[s];
            if (folder[s] == fid && n.length() == nameLen && rel.regionMatches(slash + 1, n, 0, nameLen)) {
                return s;
            }
        }
        return -1;
    }

    /** Calls {@code action} with each slot that holds a file, in slot order. */
    void forEachSlot(java.util.function.IntConsumer action) {
        for (int s = 0; s < used; s++) {
            if (name[s] != null) {
                action.accept(s);
            }
        }
    }

    String rel(int slot) {
        String f = folders.name(folder[slot]);
        return f.isEmpty() ? name[slot] : f + "/" + name[slot];
    }

    /**
     * Hands every file's fingerprinted fields to {@code sink} from the columns, in slot order (a fingerprint does not
     * depend on order): no record and no hash text is made, which a walk of the {@link LiveView} would.
     */
    void forEachEntry(Fingerprint.Sink sink) {
        forEachSlot(slot -> sink.accept(rel(slot), size[slot], mtime[slot], inode(slot), perms(slot)));
    }

    /** The live file in {@code slot}, made afresh. */
    LiveFile file(int slot) {
        return new LiveFile(hash(slot), size[slot], mtime[slot], inode(slot), perms(slot), since[slot],
                duplicateOf == null ? "" : duplicateOf[slot]);
    }

    String hash(int slot) {
        int c = hashCode[slot];
        return c == 0 ? oddHash[slot] : codec.decodeHash(c, hash, slot * 4);
    }

    long fileSize(int slot) {
        return size[slot];
    }

    private String inode(int slot) {
        return switch (inodeKind[slot]) {
            case 0 -> "";
            case 1 -> LiveCodec.decodeInode(inode[slot * 2], inode[slot * 2 + 1]);
            default -> oddInode[slot];
        };
    }

    private String perms(int slot) {
        int c = permsCode[slot];
        return c == 0 ? oddPerms[slot] : codec.decodePerms(c);
    }

    /**
     * Whether the file in {@code slot} has this size, mtime and file key ({@code inodeWords}: the key as
     * {@link LiveCodec#encodeInode} reads it, or null if it does not read), compared in the columns.
     */
    boolean sameMetadata(int slot, long otherSize, long otherMtime, String otherInode, long[] inodeWords) {
        if (size[slot] != otherSize || mtime[slot] != otherMtime) {
            return false;
        }
        return switch (inodeKind[slot]) {
            case 0 -> otherInode.isEmpty();
            case 1 -> inodeWords != null && inode[slot * 2] == inodeWords[0] && inode[slot * 2 + 1] == inodeWords[1];
            default -> oddInode[slot].equals(otherInode);
        };
    }

    /** Whether the file in {@code slot} has these permission bits ({@code code}: their code, 0 if they have none). */
    boolean samePerms(int slot, String otherPerms, int code) {
        int c = permsCode[slot];
        return c == 0 ? oddPerms[slot].equals(otherPerms) : c == code;
    }

    LiveCodec codec() {
        return codec;
    }

    /** Whether the content hash in {@code slot} is {@code key}'s. */
    boolean hashEquals(int slot, HashKey key) {
        int c = hashCode[slot];
        if (c != key.code()) {
            return false;
        }
        if (c == 0) {
            return oddHash[slot].equals(key.text());
        }
        int o = slot * 4;
        long[] w = key.words();
        return hash[o] == w[0] && hash[o + 1] == w[1] && hash[o + 2] == w[2] && hash[o + 3] == w[3];
    }

    /** {@link HashKey#hashCode()} of the content hash in {@code slot}, without making it. */
    int hashHash(int slot) {
        int c = hashCode[slot];
        return c == 0 ? oddHash[slot].hashCode() : HashKey.hashOf(c, hash[slot * 4]);
    }

    /** One live file's fields as the table stores them: filled from a record ({@link #encode}) or by state.json's reader. */
    static final class Row {
        int hashCode;
        final long[] hash = new long[4];
        String oddHash;
        long size;
        long mtime;
        /** 0: no file key, 1: {@link #inode}, 2: {@link #oddInode}. */
        int inodeKind;
        final long[] inode = new long[2];
        String oddInode;
        int permsCode;
        String oddPerms;
        Instant since;
        /** null: not a duplicate. */
        String duplicateOf;
    }

    /** The row of {@code f} ({@code row} filled and returned). */
    Row encode(LiveFile f, Row row) {
        row.hashCode = codec.encodeHash(f.hash(), row.hash, 0);
        row.oddHash = row.hashCode == 0 ? f.hash() : null;
        row.size = f.size();
        row.mtime = f.mtime();
        row.inodeKind = f.inode().isEmpty() ? 0 : LiveCodec.encodeInode(f.inode(), row.inode, 0) ? 1 : 2;
        row.oddInode = row.inodeKind == 2 ? f.inode() : null;
        row.permsCode = codec.encodePerms(f.perms());
        row.oddPerms = row.permsCode == 0 ? f.perms() : null;
        row.since = f.since();
        row.duplicateOf = f.isDuplicate() ? f.duplicateOf() : null;
        return row;
    }

    /**
     * Stores a row in {@code slot} (a new slot, or an existing file's new facts). Not a structural change: a view
     * being iterated sees the new value, as a sorted map's would.
     */
    void set(int slot, Row r) {
        hashCode[slot] = (byte) r.hashCode;
        if (r.hashCode != 0) {
            System.arraycopy(r.hash, 0, hash, slot * 4, 4);
        }
        oddHash = odd(oddHash, slot, r.oddHash);
        size[slot] = r.size;
        mtime[slot] = r.mtime;
        inodeKind[slot] = (byte) r.inodeKind;
        if (r.inodeKind == 1) {
            inode[slot * 2] = r.inode[0];
            inode[slot * 2 + 1] = r.inode[1];
        }
        oddInode = odd(oddInode, slot, r.oddInode);
        permsCode[slot] = (byte) r.permsCode;
        oddPerms = odd(oddPerms, slot, r.oddPerms);
        since[slot] = r.since;
        duplicateOf = odd(duplicateOf, slot, r.duplicateOf);
    }

    /** Sets {@code column[slot]}, making the column only when a value needs it. */
    private String[] odd(String[] column, int slot, String value) {
        if (column == null) {
            if (value == null) {
                return null;
            }
            column = new String[name.length];
        }
        column[slot] = value;
        return column;
    }

    /** Adds a file at a path that has none ({@link #slotOf} is -1); returns its slot. */
    int insert(String rel, Row f) {
        if (freeCount == 0 && removedSinceSort > Math.max(64, count / 4)) {
            sort(); // frees the slots of removed files for reuse
        }
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == name.length) {
                grow();
            }
            slot = used++;
        }
        int slash = rel.lastIndexOf('/');
        folder[slot] = folders.add(rel, slash);
        name[slot] = slash < 0 ? rel : rel.substring(slash + 1);
        set(slot, f);
        count++;
        modCount++;
        if (indexStale) {
            // the path table is made when first needed
        } else if (count * 10L > index.length * 7L) {
            rehash(index.length * 2); // adds this slot too
        } else {
            indexAdd(slot);
        }
        if (addedLen == added.length) {
            added = Arrays.copyOf(added, addedLen * 2);
        }
        added[addedLen++] = slot;
        return slot;
    }

    /**
     * Adds a file as state.json's reader reads it, in the file's order. Files that come in path order (as state.json
     * is written) go straight to the end of the order and into the path table only when it is first needed; one out
     * of order is looked up like any other.
     *
     * @return its slot, or -1 (nothing changed) if the table already has a file at {@code rel}
     */
    int load(String rel, Row f) {
        boolean inOrder = orderLen == 0 || lastLoaded != null && order[orderLen - 1] == lastLoadedSlot
                && lastLoaded.compareTo(rel) < 0;
        if (addedLen == 0 && removedSinceSort == 0 && inOrder) {
            if (orderLen == 0 && count == 0) {
                indexStale = true;
            }
            int slot = insert(rel, f);
            addedLen--; // in order already: appended to the order instead
            if (orderLen == order.length) {
                order = Arrays.copyOf(order, Math.max(16, orderLen + (orderLen >> 1)));
            }
            order[orderLen++] = slot;
            lastLoaded = rel;
            lastLoadedSlot = slot;
            return slot;
        }
        lastLoaded = null;
        if (slotOf(rel) >= 0) {
            return -1;
        }
        return insert(rel, f);
    }

    void remove(int slot) {
        if (indexStale) {
            buildIndex();
        }
        indexRemove(slot);
        folders.remove(folder[slot]);
        name[slot] = null;
        since[slot] = null;
        oddHash = odd(oddHash, slot, null);
        oddInode = odd(oddInode, slot, null);
        oddPerms = odd(oddPerms, slot, null);
        duplicateOf = odd(duplicateOf, slot, null);
        count--;
        removedSinceSort++;
        modCount++;
    }

    // ---- the path table ----

    private static int place(int fid, int nameHash) {
        int h = fid * 0x9E3779B9 + nameHash;
        h ^= h >>> 16;
        h *= 0x85EBCA6B;
        return h ^ (h >>> 13);
    }

    private void indexAdd(int slot) {
        int mask = index.length - 1;
        int i = place(folder[slot], name[slot].hashCode()) & mask;
        while (index[i] != 0) {
            i = (i + 1) & mask;
        }
        index[i] = slot + 1;
    }

    private void buildIndex() {
        indexStale = false;
        int length = 32;
        while (count * 10L > length * 7L) {
            length <<= 1;
        }
        rehash(length);
    }

    private void rehash(int length) {
        index = new int[length];
        for (int s = 0; s < used; s++) {
            if (name[s] != null) {
                indexAdd(s);
            }
        }
    }

    /** Removes a slot from the path table, moving back the entries after it that may then stand earlier. */
    private void indexRemove(int slot) {
        int mask = index.length - 1;
        int i = place(folder[slot], name[slot].hashCode()) & mask;
        while (index[i] != slot + 1) {
            i = (i + 1) & mask;
        }
        for (int j = (i + 1) & mask; index[j] != 0; j = (j + 1) & mask) {
            int s = index[j] - 1;
            int home = place(folder[s], name[s].hashCode()) & mask;
            // move it to the hole at i unless its home lies in (i, j] (cyclically)
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
                index[i] = index[j];
                i = j;
            }
        }
        index[i] = 0;
    }

    // ---- path order ----

    /** The slots in path order, as of now: {@code [0, orderLength())} of the array returned. */
    int[] order() {
        sort();
        return order;
    }

    int orderLength() {
        sort();
        return orderLen;
    }

    /** The first position in {@link #order()} whose path is not below {@code key}. */
    int lowerBound(String key) {
        int lo = 0;
        int hi = orderLength();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (compareTo(order[mid], key) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The live paths at {@code rel} or inside the folder {@code rel} ({@code ""}: all). */
    List<String> under(String rel) {
        List<String> out = new ArrayList<>();
        int from = 0;
        int to = orderLength();
        if (!rel.isEmpty()) {
            if (slotOf(rel) >= 0) {
                out.add(rel);
            }
            // Every path inside "a" starts with "a/"; '0' is the character after '/', so ["a/", "a0") is exactly them.
            from = lowerBound(rel + "/");
            to = lowerBound(rel + "0");
        }
        for (int i = from; i < to; i++) {
            out.add(rel(order[i]));
        }
        return out;
    }

    /** Merges the files added since the last sort into the order, drops removed ones and frees their slots. */
    private void sort() {
        if (addedLen == 0 && removedSinceSort == 0) {
            return;
        }
        int n = 0;
        for (int i = 0; i < orderLen; i++) {
            if (name[order[i]] != null) {
                order[n++] = order[i];
            }
        }
        int k = 0;
        for (int i = 0; i < addedLen; i++) {
            if (name[added[i]] != null) {
                added[k++] = added[i];
            }
        }
        boolean sorted = true;
        for (int i = 1; i < k && sorted; i++) {
            sorted = compare(added[i - 1], added[i]) < 0;
        }
        if (!sorted) {
            mergeSort(added, Arrays.copyOf(added, k), 0, k);
        }
        int[] merged = k == 0 ? order : new int[n + k];
        if (k > 0) {
            // each added slot goes where a binary search puts it: k log n comparisons, not n + k
            int from = 0;
            int m = 0;
            for (int j = 0; j < k; j++) {
                int s = added[j];
                int lo = from;
                int hi = n;
                while (lo < hi) {
                    int mid = (lo + hi) >>> 1;
                    if (compare(order[mid], s) < 0) {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                System.arraycopy(order, from, merged, m, lo - from);
                m += lo - from;
                merged[m++] = s;
                from = lo;
            }
            System.arraycopy(order, from, merged, m, n - from);
        }
        order = merged;
        orderLen = n + k;
        addedLen = 0;
        if (added.length > 1024) {
            added = new int[16];
        }
        if (removedSinceSort > 0) {
            free = new int[used - count];
            freeCount = 0;
            for (int s = used - 1; s >= 0; s--) {
                if (name[s] == null) {
                    free[freeCount++] = s;
                }
            }
            removedSinceSort = 0;
        }
    }

    /** Sorts {@code a[from, to)} by path; {@code tmp} holds the same values. */
    private void mergeSort(int[] a, int[] tmp, int from, int to) {
        if (to - from < 2) {
            return;
        }
        int mid = (from + to) >>> 1;
        mergeSort(tmp, a, from, mid);
        mergeSort(tmp, a, mid, to);
        for (int i = from, p = from, q = mid; i < to; i++) {
            a[i] = q >= to || p < mid && compare(tmp[p], tmp[q]) <= 0 ? tmp[p++] : tmp[q++];
        }
    }

    private int compare(int a, int b) {
        if (folder[a] == folder[b]) {
            return name[a].compareTo(name[b]);
        }
        return comparePaths(folders.name(folder[a]), name[a], folders.name(folder[b]), name[b]);
    }

    int compareTo(int slot, String key) {
        String f = folders.name(folder[slot]);
        String n = name[slot];
        int fl = f.length();
        // the common case of a scan matched with the state: the same path (two region compares, no char loop here)
        if (fl == 0 ? key.equals(n) : key.length() == fl + 1 + n.length() && key.charAt(fl) == '/' && key.startsWith(f)
                && key.endsWith(n)) {
            return 0;
        }
        return comparePaths(f, n, "", key);
    }

    /** {@code (fa + "/" + na).compareTo(fb + "/" + nb)}, an empty folder adding no {@code /}, without making them. */
    static int comparePaths(String fa, String na, String fb, String nb) {
        int la = fa.isEmpty() ? na.length() : fa.length() + 1 + na.length();
        int lb = fb.isEmpty() ? nb.length() : fb.length() + 1 + nb.length();
        int lim = Math.min(la, lb);
        for (int i = 0; i < lim; i++) {
            char ca = charAt(fa, na, i);
            char cb = charAt(fb, nb, i);
            if (ca != cb) {
                return ca - cb;
            }
        }
        return la - lb;
    }

    private static char charAt(String f, String n, int i) {
        int fl = f.length();
        if (fl == 0) {
            return n.charAt(i);
        }
        return i < fl ? f.charAt(i) : i == fl ? '/' : n.charAt(i - fl - 1);
    }

    // ---- size ----

    /** Bytes held, estimated as a 64-bit JVM with compressed references lays them out (for the compaction test). */
    long estimatedBytes() {
        int cap = name.length;
        long bytes = 16L * 12 + cap * (4L + 4 + 8 + 8 + 32 + 16 + 1 + 1 + 1 + 4) + index.length * 4L
                + order.length * 4L + added.length * 4L + free.length * 4L;
        for (String[] column : new String[][] {oddHash, oddInode, oddPerms, duplicateOf}) {
            if (column != null) {
                bytes += cap * 4L;
                for (String s : column) {
                    bytes += s == null || s.isEmpty() ? 0 : stringBytes(s);
                }
            }
        }
        for (int s = 0; s < used; s++) {
            if (name[s] != null) {
                bytes += stringBytes(name[s]);
            }
        }
        return bytes + folders.estimatedBytes();
    }

    /** A Latin-1 string's bytes: the String (24) and its byte array (16 + length, rounded up to 8). */
    static long stringBytes(String s) {
        return 24 + ((16 + s.length() + 7) & ~7);
    }
}
