package io.keepwatch.state;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The folders of one source's live files, each kept once and named by a number: a live file is stored as its folder's
 * number and its own name ({@link LiveTable}), so the ten files of a folder share one copy of its path. A folder's
 * number is freed when its last file goes, and reused.
 */
final class FolderNames {
    private final Map<String, Integer> ids;
    private String[] names;
    private int[] files;
    private int[] free;
    private int freeCount;
    private int used;
    /** The folder last looked up: files come in folder order when state.json is read. */
    private int lastId = -1;

    FolderNames() {
        this(new HashMap<>(), new String[16], new int[16], new int[4], 0, 0);
    }

    private FolderNames(Map<String, Integer> ids, String[] names, int[] files, int[] free, int freeCount, int used) {
        this.ids = ids;
        this.names = names;
        this.files = files;
        this.free = free;
        this.freeCount = freeCount;
        this.used = used;
    }

    FolderNames copy() {
        return new FolderNames(new HashMap<>(ids), names.clone(), files.clone(), free.clone(), freeCount, used);
    }

    String name(int id) {
        return names[id];
    }

    /** The number of the folder of {@code rel} (the text before {@code slash}, -1: top level), or -1 if it has no files. */
    int find(String rel, int slash) {
        if (lastId >= 0 && sameFolder(names[lastId], rel, slash)) {
            return lastId;
        }
        Integer id = ids.get(slash < 0 ? "" : rel.substring(0, slash));
        if (id == null) {
            return -1;
        }
        lastId = id;
        return id;
    }

    /** The number of the folder of {@code rel}, made if needed, counting one more file in it. */
    int add(String rel, int slash) {
        int id = find(rel, slash);
        if (id < 0) {
            id = freeCount > 0 ? free[--freeCount] : used++;
            if (id == names.length) {
                names = Arrays.copyOf(names, id * 2);
                files = Arrays.copyOf(files, id * 2);
            }
            String name = slash < 0 ? "" : rel.substring(0, slash);
            names[id] = name;
            files[id] = 0;
            ids.put(name, id);
            lastId = id;
        }
        files[id]++;
        return id;
    }

    /** One file fewer in folder {@code id}; the last one frees the number. */
    void remove(int id) {
        if (--files[id] == 0) {
            ids.remove(names[id]);
            names[id] = null;
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, freeCount * 2);
            }
            free[freeCount++] = id;
            if (lastId == id) {
                lastId = -1;
            }
        }
    }

    private static boolean sameFolder(String folder, String rel, int slash) {
        return slash < 0 ? folder.isEmpty() : folder.length() == slash && rel.startsWith(folder);
    }

    /** Bytes held, estimated as a 64-bit JVM with compressed references lays them out (for the compaction test). */
    long estimatedBytes() {
        long bytes = names.length * 4L + files.length * 4L + free.length * 4L + 64;
        for (int i = 0; i < used; i++) {
            if (names[i] != null) {
                bytes += LiveTable.stringBytes(names[i]) + 48; // the name, and its HashMap node, key box and table slot
            }
        }
        return bytes;
    }
}
