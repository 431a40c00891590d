package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.testing.EngineFixture;
import io.keepwatch.testing.FaultyFs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code rebuild-state} writes the new state before it lets go of the old one: killed at any step, state.json
 * is the old file or the whole new one, never missing or partial; the old file is kept beside it.
 */
class RebuildStateTest {
    private static final byte[] OLD = "{\"format\": 2, \"sources\": {\"src\": [".getBytes(StandardCharsets.UTF_8);

    @RegisterExtension
    final EngineFixture kw = new EngineFixture();

    @BeforeEach
    void aVersionAndADeletion() throws Exception {
        kw.write("a.txt", "one");
        kw.write("gone.txt", "bye");
        kw.passComplete();
        kw.write("a.txt", "two");
        Files.delete(kw.src().resolve("gone.txt"));
        kw.passComplete();
    }

    private Path stateFile() {
        return kw.backup().resolve("state.json");
    }

    private List<Path> kept() throws IOException {
        try (Stream<Path> s = Files.list(kw.backup())) {
            return s.filter(p -> p.getFileName().toString().startsWith("state.json.broken-")).sorted().toList();
        }
    }

    /** The rebuilt state as the store reads it: a, its version, the deletion of gone.txt. */
    private void assertRebuilt() throws Exception {
        BackupState s = kw.state();
        assertEquals(1, s.totalLive());
        assertEquals(1, s.history(new FileRef("src", "a.txt")).lastVersion());
        assertEquals("gone.txt", s.history(new FileRef("src", "gone.txt")).deletions().get(0).stored());
    }

    @Test
    void theOldStateIsKeptBesideTheNewOneAndTheNextPassChangesNothing() throws Exception {
        Files.write(stateFile(), OLD);
        new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild();
        assertRebuilt();
        assertEquals(List.of(kw.backup().resolve("state.json.broken-2026-03-01T10-00-00Z")), kept());
        assertArrayEquals(OLD, Files.readAllBytes(kept().get(0)));
        // A second rebuild in the same instant keeps the first kept file and adds another.
        new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild();
        assertEquals(2, kept().size());
        assertArrayEquals(OLD, Files.readAllBytes(kept().get(0)));
        assertRebuilt();
    }

    @Test
    void killedAtAnyStepStateJsonIsTheOldFileOrTheWholeNewOne() throws Exception {
        int crashes = 0;
        for (int k = 0; ; k++) {
            Files.write(stateFile(), OLD);
            for (Path p : kept()) {
                Files.delete(p);
            }
            kw.fs().crashAt(k);
            boolean crashed;
            try {
                new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild();
                crashed = false;
            } catch (FaultyFs.Crash c) {
                crashed = true;
                crashes++;
            } finally {
                kw.fs().crashAt(-1);
            }
            assertTrue(Files.isRegularFile(stateFile()), "state.json is missing after a crash at step " + k);
            if (!java.util.Arrays.equals(OLD, Files.readAllBytes(stateFile()))) {
                assertRebuilt();
            }
            for (Path p : kept()) {
                assertArrayEquals(OLD, Files.readAllBytes(p), "kept at step " + k);
            }
            if (!crashed) {
                assertRebuilt();
                assertEquals(1, kept().size());
                break;
            }
            // Interrupted: run again, and it is as if it had not been.
            new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild();
            assertRebuilt();
        }
        assertTrue(crashes >= 3, "crash points: " + crashes);
    }

    @Test
    void aFolderOfTheBackupThatCannotBeListedFailsTheRebuildNamingItAndStateJsonStaysAsItWas() throws Exception {
        Files.write(stateFile(), OLD);
        Path versions = kw.backup().resolve("versions/src/a.txt");
        kw.fs().failList(FaultyFs.when(versions::equals,
                p -> new java.nio.file.AccessDeniedException(p.toString(), null, "Permission denied")));
        java.nio.file.AccessDeniedException e = assertThrows(java.nio.file.AccessDeniedException.class,
                () -> new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild());
        assertEquals(versions.toString(), e.getFile());
        assertArrayEquals(OLD, Files.readAllBytes(stateFile()), "nothing rebuilt from a partial look");
        assertEquals(List.of(), kept());
        kw.fs().failList(FaultyFs.when(p -> false, p -> null));
        new StateRebuilder(kw.config(), kw.fs(), kw.clock()).rebuild();
        assertRebuilt();
    }
}
