package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.plan.Observed;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.LiveFile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How a matched scan is split into chunks, one row per situation. A file is written {@code rel:size:how}, where
 * {@code how} says what the state holds of it: {@code new} (nothing), {@code same} (size, mtime, inode and permission
 * bits as recorded: {@link ScanMatcher} marks it, without its record), {@code chmod} (only the permission bits differ), {@code edited} (another mtime). Each expected
 * chunk is written {@code read=[...] known=[...] absent=[...]}; {@code unchanged} lists the files only counted.
 */
class ChunkerTest {
    static Stream<Arguments> rows() {
        return Stream.of(
                row("no files: one chunk, for the paths gone", 100, 10, false, List.of(), List.of("gone"),
                        List.of("read=[] known=[] absent=[gone]"), List.of()),
                row("new and edited files are read, unchanged ones only counted", 100, 10, false,
                        List.of("a:1:new", "b:1:same", "c:1:edited"), List.of(),
                        List.of("read=[a, c] known=[] absent=[]"), List.of("b")),
                row("only the permission bits changed: observed with the stored hash, not read", 100, 10, false,
                        List.of("a:1:chmod"), List.of(), List.of("read=[] known=[a] absent=[]"), List.of()),
                row("rehash: every file is read", 100, 10, true, List.of("a:1:same", "b:1:chmod"), List.of(),
                        List.of("read=[a, b] known=[] absent=[]"), List.of()),
                row("a chunk ends at its file limit; the paths gone go with the first", 100, 2, false,
                        List.of("a:1:new", "b:1:new", "c:1:new", "d:1:new", "e:1:new"), List.of("x"),
                        List.of("read=[a, b] known=[] absent=[x]", "read=[c, d] known=[] absent=[]",
                                "read=[e] known=[] absent=[]"), List.of()),
                row("a chunk ends once its bytes reach the limit", 10, 100, false,
                        List.of("a:6:new", "b:6:new", "c:3:new", "d:20:new", "e:1:new"), List.of(),
                        List.of("read=[a, b] known=[] absent=[]", "read=[c, d] known=[] absent=[]",
                                "read=[e] known=[] absent=[]"), List.of()),
                row("files not read do not fill a chunk", 100, 1, false,
                        List.of("a:1:same", "b:1:chmod", "c:1:new", "d:1:same", "e:1:new"), List.of(),
                        List.of("read=[c] known=[b] absent=[]", "read=[e] known=[] absent=[]"), List.of("a", "d")));
    }

    static Arguments row(String name, long maxBytes, int maxFiles, boolean rehash, List<String> files, List<String> absent,
            List<String> chunks, List<String> unchanged) {
        return Arguments.of(name, maxBytes, maxFiles, rehash, files, absent, chunks, unchanged);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void splits(String name, long maxBytes, int maxFiles, boolean rehash, List<String> spec, List<String> absent,
            List<String> expectedChunks, List<String> expectedUnchanged) {
        List<ScannedFile> files = new ArrayList<>();
        List<Optional<LiveFile>> liveOf = new ArrayList<>();
        BitSet same = new BitSet();
        for (String s : spec) {
            String[] p = s.split(":");
            long size = Long.parseLong(p[1]);
            files.add(new ScannedFile(p[0], size, 1, "i", "rw-r--r--"));
            if (p[2].equals("same") && !rehash) {
                same.set(files.size() - 1); // as ScanMatcher marks it
            }
            liveOf.add(switch (p[2]) {
                case "new" -> Optional.empty();
                case "same" -> rehash ? Optional.of(live(size, 1, "rw-r--r--")) : Optional.empty();
                case "chmod" -> Optional.of(live(size, 1, "rw-------"));
                case "edited" -> Optional.of(live(size, 2, "rw-r--r--"));
                default -> throw new IllegalArgumentException(s);
            });
        }
        List<String> unchanged = new ArrayList<>();

        List<Chunker.Chunk> chunks = new Chunker(maxBytes, maxFiles).split(files, liveOf, same, rehash, absent,
                i -> unchanged.add(files.get(i).rel()));

        List<String> described = new ArrayList<>();
        for (Chunker.Chunk c : chunks) {
            described.add("read=" + c.toRead().stream().map(ScannedFile::rel).toList()
                    + " known=" + c.known().stream().map(Observed::rel).toList() + " absent=" + c.absent());
            assertEquals(c.toRead().stream().mapToLong(ScannedFile::size).sum(), c.readBytes());
            assertEquals(c.toRead().size(), c.liveOfRead().size());
        }
        assertEquals(expectedChunks, described);
        assertEquals(expectedUnchanged, unchanged);
        chunks.stream().flatMap(c -> c.known().stream()).forEach(o -> {
            assertEquals("sha256:stored", o.facts().hash(), "a known file keeps its stored hash");
            assertEquals(Optional.empty(), o.staged());
        });
    }

    private static LiveFile live(long size, long mtime, String perms) {
        return LiveFile.of(new FileFacts("sha256:stored", size, mtime, "i", perms), Instant.EPOCH, "");
    }
}
