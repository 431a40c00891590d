package io.keepwatch.archive;

import io.keepwatch.engine.Progress;
import io.keepwatch.repo.Crypto;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.Pusher;
import io.keepwatch.repo.RepoException;
import io.keepwatch.repo.Repository;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.restore.Timeline;
import io.keepwatch.state.FileRef;
import java.io.IOException;
import java.util.HashMap;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * {@code keepwatch export}: a repository of one snapshot, written as an archive in one pass. The state (maybe
 * one source, maybe as of an instant: {@link StateAt}) is pushed, as {@code push} does, into a {@link StreamStore}
 * whose objects go straight into the archive: the config first, then packs and index objects as they fill, then
 * the trees' pack and the snapshot, then the end marker.
 */
public final class Exporter {
    /** What an export wrote. */
    public record Result(Pusher.Result push, long objects, long bytes) {
    }

    private Exporter() {
    }

    /**
     * Finds a content by its hash among every content of the whole state: as of an earlier moment, a current copy
     * may be today's version or deleted copy. (The pusher checks what it reads against the hash.)
     */
    private static Pusher.Locator locator(BackupState state, BackupLayout layout) {
        Map<String, Timeline.Entry> byHash = new HashMap<>();
        for (String s : state.sourceNames()) {
            for (String rel : Timeline.paths(state, s)) {
                for (Timeline.Entry e : Timeline.of(state, new FileRef(s, rel))) {
                    byHash.putIfAbsent(e.hash(), e);
                }
            }
        }
        return e -> byHash.getOrDefault(e.hash(), e).file(layout);
    }

    /**
     * Writes the archive to {@code out} (not closed). Contents whose backup file is missing or corrupt are left out
     * and listed in the result, as {@code push} does.
     */
    public static Result export(BackupState state, Optional<String> source, Optional<Instant> at, Map<String, String> sourcePaths,
            BackupLayout layout, KeyFile.Opened key, String keyName, OutputStream out, String describe, Clock clock, String host,
            Progress progress) throws IOException, RepoException {
        BackupState chosen = StateAt.select(state, source, at);
        ArchiveWriter writer = new ArchiveWriter(out, key.repoId(), new Crypto(key.master()));
        Pusher.Result r;
        try (Repository repo = Repository.create(new StreamStore(writer, describe), key, keyName)) {
            r = new Pusher(repo, layout, clock, host, progress, Optional.empty(), locator(state, layout)).push(chosen, sourcePaths);
        }
        writer.finish();
        return new Result(r, writer.objects(), writer.written());
    }
}
