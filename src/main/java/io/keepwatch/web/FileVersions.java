package io.keepwatch.web;

import io.keepwatch.fs.BackupRoot;
import io.keepwatch.fs.RealFs;
import io.keepwatch.restore.Timeline;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.StateException;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;

/**
 * The page's view of one file's history, read from {@code state.json} as {@code keepwatch versions} reads it (without
 * the lock: the service replaces it atomically): the paths that match a search, the versions of one path
 * ({@link Timeline}), and one version's bytes, opened through {@link BackupRoot} (no link in the backup root is
 * followed, no name from state.json leads outside it). The state is loaded for each request and dropped after it, one
 * request at a time, so the page never holds a second copy of a large state for long.
 */
final class FileVersions {
    static final int MAX_MATCHES = 50;

    private final BackupLayout layout;
    private final BackupRoot root;
    private final StateStore store;
    private final Semaphore oneAtATime = new Semaphore(1);

    FileVersions(BackupLayout layout, Clock clock) {
        RealFs fs = RealFs.forFileSystem(layout.root().getFileSystem());
        this.layout = layout;
        this.root = new BackupRoot(layout.root(), fs);
        this.store = new StateStore(layout, fs, clock);
    }

    /** Files of the state ({@code source/path}) whose name contains {@code query}, ignoring case; the first {@value #MAX_MATCHES}. */
    List<String> search(String query) throws IOException, InterruptedException {
        String q = query.strip().toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        if (q.isEmpty()) {
            return out;
        }
        BackupState state = load();
        for (String source : state.sourceNames()) {
            for (String rel : Timeline.paths(state, source)) {
                String full = source + "/" + rel;
                if (full.toLowerCase(Locale.ROOT).contains(q)) {
                    out.add(full);
                    if (out.size() >= MAX_MATCHES) {
                        return out;
                    }
                }
            }
        }
        return out;
    }

    /** Every copy the backup holds of {@code ref}, newest first; empty when it holds none. */
    List<Timeline.Entry> versions(FileRef ref) throws IOException, InterruptedException {
        return Timeline.of(load(), ref);
    }

    /** One entry's copy, by its {@link #id}; empty when the backup holds no such copy. */
    Optional<Download> open(FileRef ref, String id) throws IOException, InterruptedException {
        for (Timeline.Entry e : versions(ref)) {
            if (id(e).equals(id)) {
                try {
                    return Optional.of(new Download(e, root.openRead(e.file(layout))));
                } catch (io.keepwatch.restore.UnsafePathException x) {
                    throw new IOException("refused: " + x.getMessage(), x);
                }
            }
        }
        return Optional.empty();
    }

    /** An entry's name in a download link: {@code current}, {@code v3}, or {@code d:<stored name>}. */
    static String id(Timeline.Entry e) {
        return switch (e.kind()) {
            case CURRENT -> "current";
            case VERSION -> "v" + e.version();
            case DELETED -> "d:" + e.stored();
        };
    }

    /** A copy being downloaded: what it is, and its bytes. */
    record Download(Timeline.Entry entry, SeekableByteChannel bytes) {
    }

    private BackupState load() throws IOException, InterruptedException {
        oneAtATime.acquire();
        try {
            return store.load().orElseThrow(() -> new IOException("no backup here yet (" + layout.stateFile() + " does not exist)"));
        } catch (StateException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            oneAtATime.release();
        }
    }
}
