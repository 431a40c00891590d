package io.keepwatch.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The torture run's "no version equals the copy that replaced it" check fires on the states it must catch. */
class BogusVersionCheckTest {
    private static final Instant T1 = Instant.parse("2026-03-04T05:06:07.123456789Z");
    private static final Instant T2 = T1.plusSeconds(10);
    private static final Instant T3 = T1.plusSeconds(20);
    private static final Instant T4 = T1.plusSeconds(30);

    private static VersionRecord version(int n, String hash, Instant since, Instant archivedAt) {
        return new VersionRecord(n, hash, 1, 0, "rw-r--r--", since, archivedAt);
    }

    private static Optional<LiveFile> live(String hash, Instant since) {
        return Optional.of(new LiveFile(hash, 1, 0, "", "rw-r--r--", since, ""));
    }

    private static List<Integer> bogus(List<VersionRecord> vs, List<DeletionRecord> ds, Optional<LiveFile> live) {
        return Torture.bogusVersions(new PathHistory(vs.size(), vs, ds), live).stream().map(VersionRecord::n).toList();
    }

    @Test
    void theNewestVersionEqualToTheLiveCopyThatReplacedItIsBogus() {
        List<VersionRecord> vs = List.of(version(1, "a", T1, T2), version(2, "b", T2, T3));
        assertEquals(List.of(2), bogus(vs, List.of(), live("b", T3)));
    }

    @Test
    void theNewestVersionDifferentFromTheLiveCopyThatReplacedItIsFine() {
        List<VersionRecord> vs = List.of(version(1, "a", T1, T2), version(2, "b", T2, T3));
        assertEquals(List.of(), bogus(vs, List.of(), live("c", T3)));
    }

    @Test
    void aLiveCopyBackedUpAfterADeletionDidNotReplaceTheNewestVersion() {
        // a, replaced by b at T2, b deleted at T3, a created again at T4: same content as v1, but no bogus version.
        List<VersionRecord> vs = List.of(version(1, "a", T1, T2));
        List<DeletionRecord> ds = List.of(new DeletionRecord("f", "b", 1, 0, "rw-r--r--", T2, T3));
        assertEquals(List.of(), bogus(vs, ds, live("a", T4)));
    }

    @Test
    void aVersionEqualToTheNextVersionThatReplacedItIsBogus() {
        List<VersionRecord> vs = List.of(version(1, "a", T1, T2), version(2, "a", T2, T3));
        assertEquals(List.of(1), bogus(vs, List.of(), live("c", T3)));
    }

    @Test
    void aVersionEqualToTheCopyThatReplacedItAndWasThenDeletedIsBogus() {
        List<VersionRecord> vs = List.of(version(1, "a", T1, T2));
        List<DeletionRecord> ds = List.of(new DeletionRecord("f", "a", 1, 0, "rw-r--r--", T2, T3));
        assertEquals(List.of(1), bogus(vs, ds, Optional.empty()));
    }
}
