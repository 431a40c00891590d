package io.keepwatch.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.fs.RealFs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runs of the metadata index ({@link FileRuns}, found by {@link StateOffsets}) and the part of the state they load
 * ({@link StateStore#loadPart}): with names that JSON escapes, the runs start at every 128th path; a run loads exactly
 * its files; an index whose run points at other bytes (a valid checksum, a wrong offset) loads nothing.
 */
class FileRunsTest {
    private static final Instant T0 = Instant.parse("2026-03-04T05:06:07Z");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-05T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;
    private StateStore store;
    private BackupState state;
    private List<String> paths;

    @BeforeEach
    void setUp() throws Exception {
        Files.createDirectories(new BackupLayout(tmp).indexFile().getParent());
        store = new StateStore(new BackupLayout(tmp), new RealFs(false, ms -> { }), CLOCK);
        state = new BackupState("sha256");
        state.setDevice("docs", "65024");
        String[] odd = {"quote\"", "back\\slash", "},\"x\":{", "new\nline", "caf\u00e9", "\u00ff\u00fe", "emoji \ud83c\udf89", "[]", ":"};
        TreeMap<String, Integer> names = new TreeMap<>();
        for (int i = 0; i < 500; i++) {
            names.put(String.format("d%02d/%s%03d", i / 40, odd[i % odd.length], i), i);
        }
        paths = new ArrayList<>(names.keySet());
        names.forEach((rel, i) -> state.putLive(new FileRef("docs", rel), new LiveFile(String.format("sha256:%064x", i), i,
                1_700_000_000_000_000_000L + i, "(dev=fe00,ino=" + i + ")", "rw-r--r--", T0, "")));
        state.putLive(new FileRef("other", "x"), new LiveFile(String.format("sha256:%064x", 9999), 1, 2, "", "rw-r--r--", T0, ""));
        state.putHistory(new FileRef("docs", paths.get(300)), PathHistory.EMPTY.withLastVersion(3));
        store.save(state);
    }

    @Test
    void runsStartAtEvery128thPathAndAddUpToTheSource() throws Exception {
        MetadataIndex index = store.currentIndex().orElseThrow();
        FileRuns runs = index.source("docs").orElseThrow().runs();
        assertEquals(4, runs.list().size());
        for (int k = 0; k < 4; k++) {
            assertEquals(paths.get(k * StateOffsets.RUN), runs.list().get(k).first());
            assertEquals(k < 3 ? 128 : 500 - 384, runs.list().get(k).fingerprint().count());
        }
        assertEquals(index.source("docs").orElseThrow().fingerprint(), runs.total());
        assertEquals(2, runs.runOf(paths.get(300)));
        assertEquals(0, runs.runOf(""));
    }

    @Test
    void aRunLoadsExactlyItsFilesAndEverythingElse() throws Exception {
        MetadataIndex index = store.currentIndex().orElseThrow();
        BitSet chosen = new BitSet();
        chosen.set(2);
        BackupState part = store.loadPart(index, Map.of("docs", chosen)).orElseThrow();
        assertTrue(part.partial());
        assertEquals(paths.subList(256, 384), new ArrayList<>(part.liveSorted("docs").keySet()));
        for (String rel : paths.subList(256, 384)) {
            assertEquals(state.live(new FileRef("docs", rel)), part.live(new FileRef("docs", rel)));
        }
        assertEquals(0, part.liveCount("other"));
        assertEquals(3, part.history(new FileRef("docs", paths.get(300))).lastVersion());
        assertEquals("65024", part.device("docs").orElseThrow());
        assertThrows(IllegalStateException.class, () -> store.save(part), "a part is never written whole");
    }

    @Test
    void aRunWhoseFilesAreNotAsTheIndexSaysLoadsNothing() throws Exception {
        MetadataIndex index = store.currentIndex().orElseThrow();
        FileRuns runs = index.source("docs").orElseThrow().runs();
        List<FileRuns.Run> swapped = new ArrayList<>(runs.list());
        FileRuns.Run one = swapped.get(1);
        FileRuns.Run two = swapped.get(2);
        swapped.set(1, new FileRuns.Run(one.first(), one.start(), one.end(), two.fingerprint()));
        swapped.set(2, new FileRuns.Run(two.first(), two.start(), two.end(), one.fingerprint()));
        MetadataIndex tampered = rewritten(index, new FileRuns(runs.open(), runs.close(), swapped));
        assertEquals(4, tampered.source("docs").orElseThrow().runs().list().size(), "the runs still add up");
        assertTrue(store.loadPart(tampered, Map.of("docs", runOne())).isEmpty(), "run 1's files have run 2's fingerprint");

        List<FileRuns.Run> overlapping = new ArrayList<>(runs.list());
        overlapping.set(1, new FileRuns.Run(one.first(), one.start(), two.end(), one.fingerprint()));
        tampered = rewritten(index, new FileRuns(runs.open(), runs.close(), overlapping));
        assertTrue(tampered.source("docs").orElseThrow().runs().list().isEmpty(), "runs out of order are dropped");
        assertTrue(store.loadPart(tampered, Map.of("docs", runOne())).isEmpty());
    }

    private static BitSet runOne() {
        BitSet chosen = new BitSet();
        chosen.set(1);
        return chosen;
    }

    /** The index written again (a valid checksum) with other runs for "docs", and read back. */
    private MetadataIndex rewritten(MetadataIndex index, FileRuns runs) throws Exception {
        MetadataIndex.SourceIndex docs = index.source("docs").orElseThrow();
        Map<String, MetadataIndex.SourceIndex> sources = new TreeMap<>(index.sources());
        sources.put("docs", new MetadataIndex.SourceIndex(docs.device(), docs.fingerprint(), docs.policyKey(), docs.nextRemoval(),
                docs.versionBytes(), docs.deletedBytes(), runs));
        MetadataIndex.write(new RealFs(false, ms -> { }), new BackupLayout(tmp).indexFile(), index.key(), index.stateFile(),
                index.hashAlgorithm(), sources);
        return store.currentIndex().orElseThrow();
    }
}
