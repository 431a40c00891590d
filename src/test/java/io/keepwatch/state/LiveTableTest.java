package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The compact store of live files: its encodings, that it gives back every field as stored, and its size. */
class LiveTableTest {
    private static final Instant T0 = Instant.parse("2026-11-01T03:00:00.123456789Z");
    private static final String SHA = "sha256:00ff00ff00ff00ff0123456789abcdef0123456789abcdeffedcba9876543210";

    @ParameterizedTest(name = "{0} -> compact {1}")
    @CsvSource(delimiter = '|', value = {
        SHA + "|true",
        "sha3-256:0000000000000000000000000000000000000000000000000000000000000000|true",
        "sha256:00FF00ff00ff00ff0123456789abcdef0123456789abcdeffedcba9876543210|false", // upper case
        "sha256:00ff00ff00ff00ff0123456789abcdef0123456789abcdeffedcba987654321|false", // 63 digits
        "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709|false",
        "00ff00ff00ff00ff0123456789abcdef0123456789abcdeffedcba98765432100000000|false", // no algorithm
        "sha256:00ff00ff00ff00ff0123456789abcdef0123456789abcdeffedcba987654321g|false",
        "shä:00ff00ff00ff00ff0123456789abcdef0123456789abcdeffedcba9876543210|false", // not an ASCII prefix
        "a:b:00ff00ff00ff00ff0123456789abcdef0123456789abcdeffedcba9876543210|false"})
    void hashesAreNumbersWhenTheyReadBackExactly(String hash, boolean compact) {
        LiveCodec codec = new LiveCodec();
        long[] words = new long[6];
        int code = codec.encodeHash(hash, words, 1);
        assertEquals(compact, code != 0);
        if (compact) {
            assertEquals(hash, codec.decodeHash(code, words, 1));
            assertEquals(0, words[0]);
            assertEquals(0, words[5]);
        } else {
            assertArrayEquals(new long[6], words);
        }
    }

    @ParameterizedTest(name = "{0} -> compact {1}")
    @CsvSource(delimiter = '|', value = {
        "(dev=fe00,ino=2)|true",
        "(dev=0,ino=0)|true",
        "(dev=ffffffffffffffff,ino=9223372036854775807)|true",
        "(dev=fe00,ino=-5)|true",
        "(dev=fe00,ino=-9223372036854775808)|true",
        "(dev=fe00,ino=9223372036854775808)|false",
        "(dev=fe00,ino=-0)|false",
        "(dev=10000000000000000,ino=1)|false",
        "(dev=FE00,ino=2)|false",
        "(dev=0fe00,ino=2)|false",
        "(dev=fe00,ino=+2)|false",
        "(dev=fe00,ino=02)|false",
        "(dev=,ino=2)|false",
        "(dev=fe00,ino=)|false",
        "(dev=fe00,ino=2|false",
        "dev=fe00,ino=2)|false",
        "{dev=fe00,ino=2}|false"})
    void fileKeysAreNumbersWhenTheyReadBackExactly(String key, boolean compact) {
        long[] out = new long[2];
        assertEquals(compact, LiveCodec.encodeInode(key, out, 0));
        if (compact) {
            assertEquals(key, LiveCodec.decodeInode(out[0], out[1]));
        }
    }

    @Test
    void permsGetCodesUntilTheTableIsFullThenStayText() {
        LiveCodec codec = new LiveCodec();
        for (int i = 0; i < LiveCodec.MAX_CODES; i++) {
            int c = codec.encodePerms("p" + i);
            assertEquals(i + 1, c);
            assertEquals("p" + i, codec.decodePerms(c));
        }
        assertEquals(0, codec.encodePerms("one too many"));
        assertEquals(5, codec.encodePerms("p4"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"a|b|a|c", "a|b|a-b|c", "|a.txt|a|b", "a|z|a0|a", "a/b|c|a|b.c", "|a|a|a", "x|é|x|z"})
    void pathsCompareAsTheirWholeText(String fa, String na, String fb, String nb) {
        fa = fa == null ? "" : fa;
        fb = fb == null ? "" : fb;
        String a = fa.isEmpty() ? na : fa + "/" + na;
        String b = fb.isEmpty() ? nb : fb + "/" + nb;
        assertEquals(Integer.signum(a.compareTo(b)), Integer.signum(LiveTable.comparePaths(fa, na, fb, nb)));
        assertEquals(Integer.signum(b.compareTo(a)), Integer.signum(LiveTable.comparePaths(fb, nb, fa, na)));
    }

    /** Random puts and removes against a sorted map: the same files, fields, order, folder ranges and duplicates. */
    @Test
    void theStoreGivesBackEveryFieldAsAModelMapWould() {
        Random rnd = new Random(7);
        String[] folders = {"", "a", "a/b", "a-b", "a.b", "a0", "a/b/c", "é", "\uD834\uDD1E", "z z"};
        String[] names = {"a", "b", "f.txt", "a-b", "0", "é", "\uD834\uDD1E.bin", "x y"};
        String[] inodes = {"", "(dev=fe00,ino=7)", "(dev=FE00,ino=7)", "C:\\file-id-7"};
        String[] perms = {"", "rw-r--r--", "rwx------"};
        String[] hashes = {SHA, SHA.replace('0', '1'), "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha256:ABC"};
        BackupState s = new BackupState("sha256");
        TreeMap<String, LiveFile> model = new TreeMap<>();
        for (int step = 0; step < 6_000; step++) {
            String folder = folders[rnd.nextInt(folders.length)];
            String rel = (folder.isEmpty() ? "" : folder + "/") + names[rnd.nextInt(names.length)];
            FileRef ref = new FileRef("src", rel);
            if (rnd.nextInt(3) == 0) {
                s.removeLive(ref);
                model.remove(rel);
            } else {
                LiveFile f = new LiveFile(hashes[rnd.nextInt(hashes.length)], rnd.nextInt(3) - 1, rnd.nextLong(),
                        inodes[rnd.nextInt(inodes.length)], perms[rnd.nextInt(perms.length)], T0.plusNanos(rnd.nextInt(3)),
                        rnd.nextInt(4) == 0 ? "src/" + rel + ".orig" : "");
                s.putLive(ref, f);
                model.put(rel, f);
            }
            if (step % 50 == 0 || step > 5_900) {
                assertSame(model, s, step);
            }
        }
    }

    /** What is stored compactly, and what is kept as text, is written to state.json and read back the same. */
    @Test
    void stateJsonReadsBackEveryField(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        BackupState s = new BackupState("sha256");
        String[] inodes = {"", "(dev=fe00,ino=7)", "(dev=FE00,ino=7)"};
        String[] hashes = {SHA, "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha256:ABC"};
        TreeMap<String, LiveFile> model = new TreeMap<>();
        for (int i = 0; i < 500; i++) {
            String rel = "d" + i % 13 + "/" + (i % 5 == 0 ? "é" : "") + "f" + i;
            LiveFile f = new LiveFile(hashes[i % 3], i % 4, i * 7L, inodes[i % 3], i % 7 == 0 ? "" : "rw-r--r--",
                    T0.plusSeconds(i % 2), i % 11 == 0 ? "src/d0/f0" : "");
            s.putLive(new FileRef("src", rel), f);
            model.put(rel, f);
        }
        StateStore store = new StateStore(new BackupLayout(dir), new io.keepwatch.fs.RealFs(false, ms -> { }),
                java.time.Clock.fixed(T0, java.time.ZoneOffset.UTC));
        store.save(s);
        BackupState loaded = store.load().orElseThrow();
        assertEquals(new ArrayList<>(model.entrySet()), new ArrayList<>(loaded.liveSorted("src").entrySet()));
        assertEquals(model.get("d1/f1"), loaded.live(new FileRef("src", "d1/f1")).orElseThrow());
        assertEquals(model.get("d0/éf0"), loaded.live(new FileRef("src", "d0/éf0")).orElseThrow());
        // the files of one content, in state.json's order
        List<FileRef> same = new ArrayList<>();
        loaded.liveWithHash(hashes[1], r -> !same.add(r));
        assertEquals(model.entrySet().stream().filter(e -> e.getValue().hash().equals(hashes[1]) && e.getValue().size() > 0)
                .map(e -> new FileRef("src", e.getKey())).toList(), same);
    }

    private static void assertSame(TreeMap<String, LiveFile> model, BackupState s, int step) {
        assertEquals(new ArrayList<>(model.entrySet()), new ArrayList<>(s.liveSorted("src").entrySet()), "step " + step);
        assertEquals(model.size(), s.liveCount("src"));
        for (String rel : model.keySet()) {
            assertEquals(model.get(rel), s.live(new FileRef("src", rel)).orElseThrow(), rel);
            assertTrue(s.liveFiles("src").containsKey(rel));
        }
        for (String folder : List.of("", "a", "a/b", "é", "a.b", "zz")) {
            List<String> expected = new ArrayList<>();
            if (!folder.isEmpty() && model.containsKey(folder)) {
                expected.add(folder);
            }
            expected.addAll(folder.isEmpty() ? model.keySet() : model.subMap(folder + "/", folder + "0").keySet());
            assertEquals(expected, new ArrayList<>(s.liveUnder("src", folder)), "under '" + folder + "' at step " + step);
        }
        SortedMap<String, LiveFile> tail = s.liveSorted("src").tailMap("a.b");
        assertEquals(new ArrayList<>(model.tailMap("a.b").keySet()), new ArrayList<>(tail.keySet()));
        assertEquals(model.tailMap("a.b").size(), tail.size());
        assertEquals(model.subMap("a", "a0").size(), s.liveSorted("src").subMap("a", "a0").size());
        if (!model.isEmpty()) {
            assertEquals(model.firstKey(), s.liveSorted("src").firstKey());
            assertEquals(model.lastKey(), s.liveSorted("src").lastKey());
        }
        for (Map.Entry<String, LiveFile> e : model.entrySet()) {
            if (e.getValue().size() > 0) {
                FileRef first = s.liveWithHash(e.getValue().hash()).orElseThrow();
                assertEquals(e.getValue().hash(), model.get(first.rel()).hash());
            }
        }
    }

    @Test
    void aSnapshotCopyDoesNotChangeWithTheState() {
        BackupState s = new BackupState("sha256");
        for (int i = 0; i < 100; i++) {
            s.putLive(new FileRef("src", "d" + i % 7 + "/f" + i), file(i));
        }
        SortedMap<String, LiveFile> copy = s.liveCopy("src");
        List<Map.Entry<String, LiveFile>> before = new ArrayList<>(copy.entrySet());
        for (int i = 0; i < 100; i += 2) {
            s.removeLive(new FileRef("src", "d" + i % 7 + "/f" + i));
        }
        for (int i = 100; i < 300; i++) {
            s.putLive(new FileRef("src", "d" + i % 7 + "/f" + i), file(i));
        }
        s.putLive(new FileRef("src", "d1/f1"), file(999));
        assertEquals(before, new ArrayList<>(copy.entrySet()));
        assertEquals(100, copy.size());
        assertEquals(250, s.liveCount("src"));
    }

    @Test
    void addingAFileWhileIteratingFailsLoudly() {
        BackupState s = new BackupState("sha256");
        s.putLive(new FileRef("src", "a"), file(1));
        s.putLive(new FileRef("src", "b"), file(2));
        Iterator<String> it = s.liveFiles("src").keySet().iterator();
        it.next();
        s.putLive(new FileRef("src", "c"), file(3));
        assertThrows(ConcurrentModificationException.class, it::next);
    }

    /**
     * The point of the compact store (issue 14): about 400 bytes a file as records in a tree map, under 200 here. The
     * estimate counts the arrays and strings the store holds as a 64-bit JVM lays them out; the files are as a real
     * tree's: ten to a folder, sha256 hashes, Unix file keys, a few perms, most sharing the same {@code since}.
     */
    @Test
    void aTrackedFileCostsUnder200Bytes() {
        BackupState s = new BackupState("sha256");
        Random rnd = new Random(1);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            String rel = String.format("t%03d/s%03d/f%06d.dat", i / 10_000, i / 10 % 1000, i);
            StringBuilder hash = new StringBuilder("sha256:");
            for (int k = 0; k < 4; k++) {
                hash.append(String.format("%016x", rnd.nextLong()));
            }
            s.putLive(new FileRef("src", rel), new LiveFile(hash.toString(), 1 + rnd.nextInt(1024), rnd.nextLong(),
                    "(dev=803,ino=" + (1_000_000 + i) + ")", i % 3 == 0 ? "rw-------" : "rw-r--r--", T0, ""));
        }
        long perFile = s.estimatedLiveBytes() / n;
        assertTrue(perFile < 200, perFile + " bytes per tracked file");
        assertEquals(n, s.liveCount("src"));
    }

    private static LiveFile file(int i) {
        return new LiveFile(String.format("sha256:%064x", i), i + 1, i * 1000L, "(dev=1,ino=" + i + ")", "rw-r--r--", T0, "");
    }
}
