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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * How a scan is paired with the state, one row per situation: the live paths of the state, what the scan found, what
 * it covered and could not read; expected, for each scanned file in order, whether the state knows it ({@code rel=live}
 * or {@code rel=new}), and the live paths taken as gone.
 */
class ScanMatcherTest {
    private static final Set<String> ALL = Set.of("");

    static Stream<Arguments> rows() {
        return Stream.of(
                row("full scan, nothing known: every file new", List.of(), List.of("a", "b"), ALL, Set.of(),
                        List.of("a=new", "b=new"), List.of()),
                row("full scan, same files", List.of("a", "b"), List.of("a", "b"), ALL, Set.of(),
                        List.of("a=live", "b=live"), List.of()),
                row("full scan: live paths not found are gone, before, between and after", List.of("0", "b", "d/x", "z"),
                        List.of("a", "c", "d/y"), ALL, Set.of(),
                        List.of("a=new", "c=new", "d/y=new"), List.of("0", "b", "d/x", "z")),
                row("full scan: nothing is gone under an unreadable folder", List.of("d/x", "e"), List.of(), ALL, Set.of("d"),
                        List.of(), List.of("e")),
                row("full scan, in path order: a file that became a folder is gone", List.of("a", "a.txt", "a/b"),
                        List.of("a.txt", "a/b"), ALL, Set.of(), List.of("a.txt=live", "a/b=live"), List.of("a")),
                row("paths: a file found is looked up", List.of("a", "b"), List.of("b"), Set.of("b"), Set.of(),
                        List.of("b=live"), List.of()),
                row("paths: a covered file not found is gone, others are not looked at", List.of("a", "b"), List.of(),
                        Set.of("b"), Set.of(), List.of(), List.of("b")),
                row("paths: a folder covered: what is under it and not found is gone", List.of("d/x", "d/y", "e"),
                        List.of("d/y", "d/z"), Set.of("d"), Set.of(), List.of("d/y=live", "d/z=new"), List.of("d/x")));
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
        for (String rel : live) {
            state.putLive(new FileRef("src", rel), LiveFile.of(facts(rel), Instant.EPOCH, ""));
        }
        List<ScannedFile> files = scanned.stream().map(rel -> new ScannedFile(rel, 1, 1, "i", "rw-r--r--")).toList();
        ScanResult scan = new ScanResult(files, Fingerprint.EMPTY, covered, unknown, List.of(), List.of(), List.of(), Map.of(),
                Map.of());

        ScanMatcher.Match m = ScanMatcher.match("src", scan, state);

        List<String> liveOf = new java.util.ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Optional<LiveFile> l = m.liveOf().get(i);
            liveOf.add(files.get(i).rel() + "=" + (l.isPresent() ? "live" : "new"));
            l.ifPresent(f -> assertEquals(facts(files.get(liveOf.size() - 1).rel()).hash(), f.hash()));
        }
        assertEquals(expectedLiveOf, liveOf);
        assertEquals(Set.copyOf(expectedAbsent), Set.copyOf(m.absent()));
        if (covered.equals(ALL)) {
            assertEquals(expectedAbsent, m.absent(), "a full scan's gone paths are in path order");
        }
    }

    private static FileFacts facts(String rel) {
        return new FileFacts("sha256:" + rel, 1, 1, "i", "rw-r--r--");
    }
}
