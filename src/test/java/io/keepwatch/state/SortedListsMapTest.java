package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The sorted-lists view BackupState builds its live maps from behaves as a TreeMap with the same entries. */
class SortedListsMapTest {
    private static LiveFile file(int n) {
        return new LiveFile("sha256:" + n, n, n, "", "", Instant.EPOCH, "");
    }

    @Test
    void everyViewMatchesTheTreeMapOfTheSameEntries() {
        List<String> keys = List.of("a", "b/c", "b/d", "c", "e");
        List<LiveFile> values = new ArrayList<>();
        TreeMap<String, LiveFile> expected = new TreeMap<>();
        for (int i = 0; i < keys.size(); i++) {
            values.add(file(i));
            expected.put(keys.get(i), values.get(i));
        }
        SortedMap<String, LiveFile> view = new BackupState.SortedListsMap(keys, values);

        assertEquals(expected, new TreeMap<>(view));
        assertEquals(expected.firstKey(), view.firstKey());
        assertEquals(expected.lastKey(), view.lastKey());
        for (String from : List.of("", "a", "b", "b/d", "d", "z")) {
            assertEquals(expected.tailMap(from), view.tailMap(from), "tail " + from);
            assertEquals(expected.headMap(from), view.headMap(from), "head " + from);
            for (String to : List.of("b", "b/d", "c", "zz")) {
                if (from.compareTo(to) <= 0) {
                    assertEquals(expected.subMap(from, to), view.subMap(from, to), from + ".." + to);
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> view.subMap("c", "a"));
        assertThrows(NoSuchElementException.class, () -> view.headMap("a").firstKey());
        assertThrows(NoSuchElementException.class, () -> view.tailMap("z").lastKey());
    }
}
