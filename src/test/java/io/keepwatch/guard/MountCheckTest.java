package io.keepwatch.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Remembered mount points against those a full scan found, case by case. */
class MountCheckTest {
    private static final SourceMarks.Mount A = new SourceMarks.Mount("10", false);
    private static final SourceMarks.Mount MARKED = new SourceMarks.Mount("10", true);

    private static MountCheck.Result check(Map<String, SourceMarks.Mount> remembered, Map<String, String> seen, Set<String> skipped,
            Set<String> withMarker, boolean accepted) {
        return MountCheck.check(remembered, seen, skipped::contains, withMarker::contains, accepted);
    }

    @Test
    void stillMountedIsAvailable() {
        MountCheck.Result r = check(Map.of("m", A), Map.of("m", "10"), Set.of(), Set.of(), false);
        assertEquals(Map.of(), r.unavailable());
        assertEquals(Map.of("m", A), r.mounts());
        assertEquals(0, r.notes().size());
    }

    @Test
    void notFoundAsAMountPointIsUnavailableAndRemembered() {
        MountCheck.Result r = check(Map.of("m", A), Map.of(), Set.of(), Set.of(), false);
        assertEquals(Set.of("m"), r.unavailable().keySet());
        assertEquals(Map.of("m", A), r.mounts());
    }

    @Test
    void aMountPointInsideAnUnavailableOneIsNotReportedTwice() {
        MountCheck.Result r = check(Map.of("m", A, "m/n", new SourceMarks.Mount("11", false)), Map.of(), Set.of(), Set.of(), false);
        assertEquals(Set.of("m"), r.unavailable().keySet());
        assertEquals(2, r.mounts().size());
    }

    @Test
    void aNewDeviceIsTheFilesystemMountedAgain() {
        MountCheck.Result r = check(Map.of("m", A), Map.of("m", "12"), Set.of(), Set.of(), false);
        assertEquals(Map.of(), r.unavailable());
        assertEquals(Map.of("m", new SourceMarks.Mount("12", false)), r.mounts());
        assertEquals(1, r.notes().size());
    }

    @Test
    void aMountPointThatHadTheMarkerMustStillHaveIt() {
        assertEquals(Set.of("m"), check(Map.of("m", MARKED), Map.of("m", "12"), Set.of(), Set.of(), false).unavailable().keySet());
        assertEquals(Map.of(), check(Map.of("m", MARKED), Map.of("m", "12"), Set.of(), Set.of("m"), false).unavailable());
    }

    @Test
    void skippedPathsAreNotJudged() {
        MountCheck.Result r = check(Map.of("m", A), Map.of(), Set.of("m"), Set.of(), false);
        assertEquals(Map.of(), r.unavailable());
        assertEquals(Map.of("m", A), r.mounts());
    }

    @Test
    void acceptedDeletionsForgetWhatIsGone() {
        MountCheck.Result r = check(Map.of("m", A, "k", A), Map.of("k", "10"), Set.of(), Set.of(), true);
        assertEquals(Map.of(), r.unavailable());
        assertEquals(Map.of("k", A), r.mounts());
    }

    @Test
    void newMountPointsAreRememberedWithTheirMarker() {
        MountCheck.Result r = check(Map.of(), Map.of("a", "20", "b", "21"), Set.of(), Set.of("b"), false);
        assertEquals(Map.of("a", new SourceMarks.Mount("20", false), "b", new SourceMarks.Mount("21", true)), r.mounts());
        assertEquals(2, r.notes().size());
    }
}
