package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.Fingerprint;
import io.keepwatch.state.LiveFile;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How a scan is paired with the state, one row per situation: the live paths of the state, what the scan found
 * ({@code rel} with the metadata recorded, or {@code rel:what} for a file whose size, mtime, file key or permission
 * bits differ from the record), what it covered and could not read; expected, for each scanned file in order,
 * {@code rel=same} (exactly as recorded: no record made), {@code rel=live} (the state's record, its hash checked) or
 * {@code rel=new}, and the live paths taken as gone. Every row is run over the full-scan sweep (in the state's columns)
 * or the lookups of a path scan, as its covered set says, and with {@code rehash} (nothing is then "same").
 */
class ScanMatcherTest {
    private static final Set<String> ALL = Set.of("");
    private static final String ODD_KEY = "(dev=0801,ino=7)";

    static Stream<Arguments> rows() {
        return Stream.of(
                row("full scan, nothing known: every file new", List.of(), List.of("a", "b"), ALL, Set.of(),
                        List.of("a=new", "b=new"), List.of()),
                row("full scan, same files: nothing looked up", List.of("a", "b"), List.of("a", "b"), ALL, Set.of(),
                        List.of("a=same", "b=same"), List.of()),
                row("full scan: size, mtime, file key or permission bits differ: the record", List.of("a", "b", "c", "d", "e"),
                        List.of("a:size", "b:mtime", "c:inode", "d:perms", "e"), ALL, Set.of(),
                        List.of("a=live", "b=live", "c=live", "d=live", "e=same"), List.of()),
                row("full scan: a file without a file key now has one", List.of("a:noinode"), List.of("a"), ALL, Set.of(),
                        List.of("a=live"), List.of()),
                row("full scan: file keys kept as text (not the JDK's form) compare as text", List.of("a:oddinode", "b:oddinode"),
                        List.of("a:oddinode", "b"), ALL, Set.of(), List.of("a=same", "b=live"), List.of()),
                row("full scan: live paths not found are gone, before, between and after", List.of("0", "b", "d/x", "z"),
                        List.of("a", "c", "d/y"), ALL, Set.of(),
                        List.of("a=new", "c=new", "d/y=new"), List.of("0", "b", "d/x", "z")),
                row("full scan: nothing is gone under an unreadable folder", List.of("d/x", "e"), List.of(), ALL, Set.of("d"),
                        List.of(), List.of("e")),
                row("full scan, in path order: a file that became a folder is gone", List.of("a", "a.txt", "a/b"),
                        List.of("a.txt", "a/b"), ALL, Set.of(), List.of("a.txt=same", "a/b=same"), List.of("a")),
                row("full scan: a folder that became a file: its files are gone, the file is new", List.of("d/x", "d/y"),
                        List.of("d"), ALL, Set.of(), List.of("d=new"), List.of("d/x", "d/y")),
                row("full scan: a file that became a link or a FIFO (not in the scan's files) is gone", List.of("a", "b"),
                        List.of("b"), ALL, Set.of(), List.of("b=same"), List.of("a")),
                row("full scan: files in folders, sorted as whole paths", List.of("a/b", "a-b", "a/c/d", "ab"),
                        List.of("a-b", "a/b:mtime", "a/c/d", "ab:size"), ALL, Set.of(),
                        List.of("a-b=same", "a/b=live", "a/c/d=same", "ab=live"), List.of()),
                row("paths: a file found is looked up", List.of("a", "b"), List.of("b"), Set.of("b"), Set.of(),
                        List.of("b=same"), List.of()),
                row("paths: a file that differs has its record", List.of("a", "b"), List.of("b:size"), Set.of("b"), Set.of(),
                        List.of("b=live"), List.of()),
                row("paths: a covered file not found is gone, others are not looked at", List.of("a", "b"), List.of(),
                        Set.of("b"), Set.of(), List.of(), List.of("b")),
                row("paths: a folder covered: what is under it and not found is gone", List.of("d/x", "d/y", "e"),
                        List.of("d/y:perms", "d/z"), Set.of("d"), Set.of(), List.of("d/y=live", "d/z=new"), List.of("d/x")));
    }

    static Arguments row(String name, List<String> live, List<String> scanned, Set<String> covered, Set<String> unknown,
            List<String> liveOf, List<String> absent) {
        return Arguments.of(name, live, scanned, covered, unknown, liveOf, absent);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void matches(String name, List<String> live, List<String> scanned, Set<String> covered, Set<String> unknown,
            List<String> expectedLiveOf, List<String> expectedAbsent) {
        BackupState state = new BackupState("sha256");
        for (String spec : live) {
            String rel = spec.split(":")[0];
            FileFacts f = facts(rel);
            if (spec.endsWith(":noinode") || spec.endsWith(":oddinode")) {
                f = new FileFacts(f.hash(), f.size(), f.mtime(), spec.endsWith(":noinode") ? "" : ODD_KEY, f.perms());
            }
            state.putLive(new FileRef("src", rel), LiveFile.of(f, Instant.EPOCH, ""));
        }
        List<ScannedFile> files = scanned.stream().map(ScanMatcherTest::scanned).toList();
        ScanResult scan = new ScanResult(files, Fingerprint.EMPTY, covered, unknown, List.of(), List.of(), List.of(), Map.of(),
                Map.of());

        ScanMatcher.Match m = ScanMatcher.match("src", scan, state, true);

        assertEquals(expectedLiveOf, described(files, m));
        assertEquals(Set.copyOf(expectedAbsent), Set.copyOf(m.absent()));
        if (covered.equals(ALL)) {
            assertEquals(expectedAbsent, m.absent(), "a full scan's gone paths are in path order");
        }

        ScanMatcher.Match rehash = ScanMatcher.match("src", scan, state, false);
        assertEquals(expectedLiveOf.stream().map(s -> s.replace("=same", "=live")).toList(), described(files, rehash),
                "re-hashing: every known file has its record");
        assertEquals(m.absent(), rehash.absent());
    }

    private static List<String> described(List<ScannedFile> files, ScanMatcher.Match m) {
        List<String> out = new ArrayList<>();
        assertEquals(files.size(), m.liveOf().size());
        for (int i = 0; i < files.size(); i++) {
            String rel = files.get(i).rel();
            Optional<LiveFile> l = m.liveOf().get(i);
            if (m.unchanged().get(i)) {
                assertEquals(Optional.empty(), l, "an unchanged file is not looked up");
                out.add(rel + "=same");
            } else {
                l.ifPresent(f -> assertEquals(facts(rel).hash(), f.hash()));
                out.add(rel + "=" + (l.isPresent() ? "live" : "new"));
            }
        }
        return out;
    }

    /** {@code rel}, or {@code rel:what} with that field other than recorded. */
    private static ScannedFile scanned(String spec) {
        String[] p = spec.split(":");
        FileFacts f = facts(p[0]);
        String what = p.length > 1 ? p[1] : "";
        return new ScannedFile(p[0], what.equals("size") ? f.size() + 1 : f.size(), what.equals("mtime") ? f.mtime() + 1 : f.mtime(),
                what.equals("inode") ? "(dev=801,ino=999)" : what.equals("oddinode") ? ODD_KEY : f.inode(), what.equals("perms") ? "rw-------" : f.perms());
    }

    private static FileFacts facts(String rel) {
        return new FileFacts("sha256:" + rel, 10, 1_700_000_000_000_000_000L, "(dev=801,ino=" + (1000 + rel.hashCode() % 1000) + ")",
                "rw-r--r--");
    }
}
