package io.keepwatch.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileFacts;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The planner's decisions, one row per situation: the state before, what is on disk now, and the actions
 * expected (written as {@code KIND rel[:detail]}).
 */
class PlannerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** A file in the state: rel, content tag, size. */
    record Known(String rel, String content, long size, String duplicateOf) {
        Known(String rel, String content) {
            this(rel, content, content.isEmpty() ? 0 : 10, "");
        }
    }

    /** A file on disk now: rel, content tag, mtime, staged? */
    record Seen(String rel, String content, long mtime) {
        Seen(String rel, String content) {
            this(rel, content, 1);
        }
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                row("new file is backed up", List.of(), List.of(new Seen("a", "x")), List.of(), List.of("BACKUP a")),
                row("same content, same metadata: nothing", List.of(new Known("a", "x")), List.of(new Seen("a", "x")), List.of(),
                        List.of()),
                row("touched: same content, new mtime: refresh only", List.of(new Known("a", "x")),
                        List.of(new Seen("a", "x", 2)), List.of(), List.of("REFRESH a")),
                row("changed content: update with the next version number", List.of(new Known("a", "x")),
                        List.of(new Seen("a", "y")), List.of(), List.of("UPDATE a:v1")),
                row("tracked file gone: delete", List.of(new Known("a", "x")), List.of(), List.of("a"), List.of("DELETE a")),
                row("absent path the state does not know: nothing", List.of(), List.of(), List.of("zz"), List.of()),
                row("new file equal to a live file: duplicate", List.of(new Known("a", "x")),
                        List.of(new Seen("a", "x"), new Seen("b", "x")), List.of(), List.of("DUPLICATE b:src/a")),
                row("identical new files: first in sorted order is the backup", List.of(),
                        List.of(new Seen("c", "x"), new Seen("a", "x"), new Seen("b", "x")), List.of(),
                        List.of("BACKUP a", "DUPLICATE b:src/a", "DUPLICATE c:src/a")),
                row("empty files are never duplicates", List.of(new Known("a", "")),
                        List.of(new Seen("a", ""), new Seen("b", "")), List.of(), List.of("BACKUP b")),
                row("rename: old path deleted, new path backed up (not a duplicate of a leaving file)",
                        List.of(new Known("old", "x")), List.of(new Seen("new", "x")), List.of("old"),
                        List.of("DELETE old", "BACKUP new")),
                row("new file equal to the old content of a modified file is not its duplicate",
                        List.of(new Known("a", "x")), List.of(new Seen("a", "y"), new Seen("b", "x")), List.of(),
                        List.of("UPDATE a:v1", "BACKUP b")),
                row("deletes come before updates and backups", List.of(new Known("a", "x"), new Known("z", "q")),
                        List.of(new Seen("a", "y"), new Seen("b", "n")), List.of("z"),
                        List.of("DELETE z", "UPDATE a:v1", "BACKUP b")),
                row("modified duplicate is an update", List.of(new Known("a", "x"), new Known("b", "x", 10, "src/a")),
                        List.of(new Seen("a", "x"), new Seen("b", "y")), List.of(), List.of("UPDATE b:v1")));
    }

    static Arguments row(String name, List<Known> known, List<Seen> seen, List<String> absent, List<String> expected) {
        return Arguments.of(name, known, seen, absent, expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void decides(String name, List<Known> known, List<Seen> seen, List<String> absent, List<String> expected) {
        BackupState state = new BackupState("sha256");
        for (Known k : known) {
            state.putLive(new FileRef("src", k.rel()), LiveFile.of(facts(k.content(), k.size(), 1), T0, k.duplicateOf()));
        }
        List<Observed> observed = new ArrayList<>();
        for (Seen s : seen) {
            observed.add(new Observed(s.rel(), facts(s.content(), s.content().isEmpty() ? 0 : 10, s.mtime()),
                    Optional.of("tmp-" + s.rel())));
        }
        Planner.Plan plan = Planner.plan("src", observed, absent, state);
        assertEquals(expected, plan.actions().stream().map(PlannerTest::describe).toList(), name);
    }

    @org.junit.jupiter.api.Test
    void versionNumbersContinueAfterRetentionRemovedOldOnes() {
        BackupState state = new BackupState("sha256");
        FileRef a = new FileRef("src", "a");
        state.putLive(a, LiveFile.of(facts("x", 10, 1), T0, ""));
        // Versions 1..11 existed; retention kept only 11; the next one is 12, never a reused number.
        state.putHistory(a, new PathHistory(11, List.of(VersionRecord.of(11, facts("w", 10, 1), T0, T0)), List.of()));
        Planner.Plan plan = Planner.plan("src", List.of(new Observed("a", facts("y", 10, 1), Optional.of("t"))), List.of(), state);
        assertEquals(List.of("UPDATE a:v12"), plan.actions().stream().map(PlannerTest::describe).toList());
    }

    @org.junit.jupiter.api.Test
    void countsUnchangedFiles() {
        BackupState state = new BackupState("sha256");
        state.putLive(new FileRef("src", "a"), LiveFile.of(facts("x", 10, 1), T0, ""));
        state.putLive(new FileRef("src", "b"), LiveFile.of(facts("y", 10, 1), T0, ""));
        Planner.Plan plan = Planner.plan("src",
                List.of(new Observed("a", facts("x", 10, 1), Optional.empty()), new Observed("b", facts("y", 10, 1), Optional.empty())),
                List.of(), state);
        assertEquals(2, plan.unchanged());
        assertEquals(List.of(), plan.actions());
    }

    static FileFacts facts(String content, long size, long mtime) {
        return new FileFacts("sha256:" + (content.isEmpty() ? "empty" : content), size, mtime, "ino", "rw-r--r--");
    }

    static String describe(Action a) {
        return a.accept(new Action.Visitor<String, RuntimeException>() {
            @Override
            public String backup(Action.Backup b) {
                return "BACKUP " + b.ref().rel();
            }

            @Override
            public String update(Action.Update u) {
                return "UPDATE " + u.ref().rel() + ":v" + u.version();
            }

            @Override
            public String duplicate(Action.Duplicate d) {
                return "DUPLICATE " + d.ref().rel() + ":" + d.original();
            }

            @Override
            public String refresh(Action.Refresh r) {
                return "REFRESH " + r.ref().rel();
            }

            @Override
            public String delete(Action.Delete d) {
                return "DELETE " + d.ref().rel();
            }

            @Override
            public String pruneVersion(Action.PruneVersion p) {
                return p.toString();
            }

            @Override
            public String pruneDeleted(Action.PruneDeleted p) {
                return p.toString();
            }
        });
    }
}
