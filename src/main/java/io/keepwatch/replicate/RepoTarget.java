package io.keepwatch.replicate;

import io.keepwatch.engine.Progress;
import io.keepwatch.fs.Fs;
import io.keepwatch.repo.BlobStore;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.Pusher;
import io.keepwatch.repo.RepoException;
import io.keepwatch.repo.Repository;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.StateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The replicator's target: a push, as {@code keepwatch push} makes it, into a repository in any {@link BlobStore}
 * (a new store from {@code stores} for each push, so a store that failed is made afresh). The key file is read
 * once, at the start.
 */
public final class RepoTarget implements Replicator.Target {
    /** Makes the store the repository is in. */
    public interface Stores {
        /** @param quietRetries whether the store logs its retries at DEBUG only */
        BlobStore open(boolean quietRetries) throws IOException, RepoException;
    }

    private final Stores stores;
    private final String describe;
    private final KeyFile.Opened key;
    private final String keyName;
    private final Optional<Path> cacheRoot;
    private final BackupLayout layout;
    private final Fs fs;
    private final Clock clock;
    private final String host;
    private final Map<String, String> sourcePaths;

    public RepoTarget(Stores stores, String describe, KeyFile.Opened key, String keyName, Optional<Path> cacheRoot, BackupLayout layout,
            Fs fs, Clock clock, String host, Map<String, String> sourcePaths) {
        this.stores = stores;
        this.describe = describe;
        this.key = key;
        this.keyName = keyName;
        this.cacheRoot = cacheRoot;
        this.layout = layout;
        this.fs = fs;
        this.clock = clock;
        this.host = host;
        this.sourcePaths = Map.copyOf(sourcePaths);
    }

    /**
     * state.json's time, size and file key, and those of each segment of the state's change log: a commit appends to
     * the log and leaves state.json alone until the log is large or old, and a push reads both.
     */
    @Override
    public Optional<String> stateOnDisk() throws IOException {
        StringBuilder tag = new StringBuilder();
        try {
            tag.append(attributes(layout.stateFile()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        Path changes = layout.changesDir();
        if (Files.isDirectory(changes, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> segments;
            try (Stream<Path> s = Files.list(changes)) {
                segments = s.sorted().toList();
            }
            for (Path p : segments) {
                try {
                    tag.append(';').append(p.getFileName()).append('=').append(attributes(p));
                } catch (NoSuchFileException e) {
                    // dropped by a rewrite meanwhile: state.json changed too
                }
            }
        }
        return Optional.of(tag.toString());
    }

    private static String attributes(Path p) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.lastModifiedTime().toInstant() + "/" + a.size() + "/" + a.fileKey();
    }

    @Override
    public Replicator.Pushed push(boolean quietRetries) throws Exception {
        StateStore store = new StateStore(layout, fs, clock);
        Optional<String> position = store.position();
        try (Repository repo = Repository.openUnindexed(stores.open(quietRetries), key, keyName, cacheRoot)) {
            Pusher.Result r = new Pusher(repo, layout, clock, host, Progress.NONE, cacheRoot).push(position,
                    () -> store.load().orElseThrow(() -> new IOException(layout.stateFile() + " does not exist")), sourcePaths);
            String id = r.snapshot().or(r::unchangedFrom).map(s -> s.shortId()).orElse("");
            return new Replicator.Pushed(id, r.snapshot().isPresent(), r.bytesAdded(), r.problems());
        }
    }

    @Override
    public String describe() {
        return describe;
    }
}
