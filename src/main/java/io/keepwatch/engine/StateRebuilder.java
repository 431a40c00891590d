package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.execute.DeletedNames;
import io.keepwatch.execute.StagingArea;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.NameNumbers;
import io.keepwatch.fs.BackupRoot;
import io.keepwatch.hash.HashingCopier;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.FolderSpan;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.StateStore;
import io.keepwatch.state.VersionRecord;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keepwatch rebuild-state}: makes a new state.json from what the backup root holds, for when the
 * state is lost or corrupt. The old file, if any, is kept as {@code state.json.broken-<time>} (a hard link made
 * before the new state is written), and the new state replaces it atomically: state.json is never missing.
 *
 * <p>What cannot be known from the files is chosen so nothing is lost: inodes are left empty, so the next
 * pass re-reads every source file (and finds unchanged content unchanged); archive and deletion times
 * are set to now, so age-based retention starts counting afresh.
 */
public final class StateRebuilder {
    private static final Logger log = LoggerFactory.getLogger(StateRebuilder.class);
    /** {@code v<n>.bak}; the number is then read by {@link NameNumbers} (the spelling keepwatch writes, 1 or more). */
    private static final Pattern VERSION_FILE = Pattern.compile("v(.*)\\.bak");

    private final Config config;
    private final Fs fs;
    private final Clock clock;
    private final BackupLayout layout;
    private final HashingCopier copier;
    private final BackupRoot dirs;

    public StateRebuilder(Config config, Fs fs, Clock clock) {
        this.config = config;
        this.fs = fs;
        this.clock = clock;
        this.layout = new BackupLayout(config.backupRoot());
        this.copier = new HashingCopier(fs, config.hashAlgorithm());
        this.dirs = new BackupRoot(layout.root(), fs);
    }

    /** Rebuilds and saves the state; returns it. */
    public BackupState rebuild() throws IOException, LockedException {
        if (!Files.isDirectory(layout.root())) {
            throw new java.nio.file.NoSuchFileException(layout.root().toString(), null, "backup root does not exist");
        }
        dirs.mkdirs(layout.journalDir());
        try (BackupLock lock = BackupLock.acquire(layout.lockFile(), layout.root())) {
            // Opened first: a journal that holds a name keepwatch does not write stops the rebuild before anything changed.
            io.keepwatch.execute.Journal journal = new io.keepwatch.execute.Journal(layout, fs);
            StagingArea.cleanLeftovers(layout, fs);
            Instant now = clock.instant();
            BackupState state = new BackupState(config.hashAlgorithm().configName());
            for (SourceConfig s : config.sources()) {
                rebuildSource(state, s.name(), now);
            }
            Path file = layout.stateFile();
            Optional<Path> kept = keepOld(file, now);
            // Journaled batches refer to the old state; the rebuilt one already reflects the disk. (Cleared before
            // the new state lands: if this is interrupted, state.json is still the old file and a rerun starts over.)
            journal.clearThrough(Long.MAX_VALUE);
            // Temp file, fsync, atomic replace: state.json is at every instant the old file or the whole new one.
            new StateStore(layout, fs, clock).save(state);
            kept.ifPresent(k -> log.warn("The state file as it was before the rebuild is kept as {}", k));
            log.info("Rebuilt {}: {} live files", file, state.totalLive());
            return state;
        }
    }

    /**
     * Keeps the state file as it is now under {@code state.json.broken-<time>}, without taking it away: a hard
     * link (a durable copy where links are not possible), so state.json itself is only ever replaced, by the
     * atomic rename of the save. What only the old file knew (archive and deletion times) stays readable there.
     */
    private Optional<Path> keepOld(Path file, Instant now) throws IOException {
        if (!fs.exists(file)) {
            return Optional.empty();
        }
        String name = "state.json.broken-" + now.toString().replace(':', '-');
        Path keep = file.resolveSibling(name);
        for (int n = 2; fs.exists(keep); n++) {
            keep = file.resolveSibling(name + "-" + n);
        }
        try {
            fs.createHardLink(keep, file);
        } catch (FileAlreadyExistsException e) {
            throw e;
        } catch (UnsupportedOperationException | FileSystemException e) {
            // No hard links here (FAT, some network shares): a copy, made durable before state.json is replaced.
            fs.copy(file, keep);
            fs.syncFile(keep);
        }
        fs.syncDirectory(file.getParent());
        return Optional.of(keep);
    }

    private void rebuildSource(BackupState state, String source, Instant now) throws IOException {
        Map<String, Path> mirror = files(layout.sourceMirror(source));
        for (Map.Entry<String, Path> e : mirror.entrySet()) {
            state.putLive(new FileRef(source, e.getKey()), live(e.getValue(), ""));
        }
        Map<String, Path> dups = files(layout.root().resolve(BackupLayout.DUPLICATES).resolve(source));
        for (Map.Entry<String, Path> e : dups.entrySet()) {
            LiveFile tmp = live(e.getValue(), "");
            String original = state.liveWithHash(tmp.hash()).map(FileRef::toString).orElse(source + "/" + e.getKey());
            state.putLive(new FileRef(source, e.getKey()), live(e.getValue(), original));
        }
        Map<String, List<VersionRecord>> versions = new TreeMap<>();
        Map<String, Integer> last = new TreeMap<>();
        for (Map.Entry<String, Path> e : files(layout.root().resolve(BackupLayout.VERSIONS).resolve(source)).entrySet()) {
            String rel = e.getKey();
            int slash = rel.lastIndexOf('/');
            Matcher m = VERSION_FILE.matcher(rel.substring(slash + 1));
            OptionalLong number = m.matches() ? NameNumbers.positive(m.group(1), Integer.MAX_VALUE) : OptionalLong.empty();
            if (slash < 0 || number.isEmpty()) {
                log.warn("Not a version file, left alone: {}", e.getValue());
                continue;
            }
            String path = rel.substring(0, slash);
            int n = (int) number.getAsLong();
            LiveFile f = live(e.getValue(), "");
            versions.computeIfAbsent(path, k -> new ArrayList<>()).add(VersionRecord.of(n, f.facts(), f.since(), now));
            last.merge(path, n, Math::max);
        }
        for (Map.Entry<String, List<VersionRecord>> e : versions.entrySet()) {
            e.getValue().sort((a, b) -> Integer.compare(a.n(), b.n()));
            FileRef ref = new FileRef(source, e.getKey());
            state.putHistory(ref, new PathHistory(last.get(e.getKey()), e.getValue(), List.of()));
        }
        for (Map.Entry<String, Path> e : files(layout.deletedRoot(source)).entrySet()) {
            FileRef ref = new FileRef(source, DeletedNames.originalPath(e.getKey()));
            LiveFile f = live(e.getValue(), "");
            state.putHistory(ref, state.history(ref).withDeletion(DeletionRecord.of(e.getKey(), f.facts(), f.since(), now)));
        }
        Map<String, String> empty = emptyFolders(layout.sourceMirror(source));
        empty.forEach((rel, perms) -> state.putFolder(source, rel, List.of(new FolderSpan(perms, now, null))));
        log.info("Source {}: {} current copies, {} duplicates, {} paths with versions, {} empty folders", source, mirror.size(),
                dups.size(), versions.size(), empty.size());
    }

    private LiveFile live(Path file, String duplicateOf) throws IOException {
        PosixFileAttributes posix = null;
        BasicFileAttributes attrs = dirs.attributes(file).orElseThrow(() -> new java.nio.file.NoSuchFileException(file.toString()));
        if (attrs instanceof PosixFileAttributes p) {
            posix = p;
        }
        long mtime = attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        return new LiveFile(copier.hashOf(dirs.check(file)), attrs.size(), mtime, "",
                posix == null ? "" : PosixFilePermissions.toString(posix.permissions()),
                attrs.lastModifiedTime().toInstant(), duplicateOf);
    }

    /** The empty folders below {@code dir} (the mirror of a source), with their permissions, by relative path. */
    private Map<String, String> emptyFolders(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!fs.isDirectory(dir)) {
            return out;
        }
        walk(dir, new Visitor() {
            @Override
            public void folder(Path d, boolean empty) throws IOException {
                if (empty && !d.equals(dir)) {
                    // Read again: the attributes Fs hands over are the basic ones only.
                    out.put(BackupLayout.relative(dir, d), io.keepwatch.fs.Modes.attributes(d, false)
                            .map(p -> PosixFilePermissions.toString(p.permissions())).orElse(""));
                }
            }

            @Override
            public void file(Path file, BasicFileAttributes attrs) {
            }
        });
        return out;
    }

    /** What {@link #walk} finds: each folder (whether it is empty) and each entry that is not a folder. */
    private interface Visitor {
        void folder(Path dir, boolean empty) throws IOException;

        void file(Path file, BasicFileAttributes attrs) throws IOException;
    }

    /**
     * Every entry at and below the folder {@code dir}, through {@link Fs} (so a test can make a listing or a look at
     * an entry fail), never through a symbolic link: a folder before what it holds.
     */
    private void walk(Path dir, Visitor visitor) throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> ds = fs.list(dir)) {
            ds.forEach(entries::add);
        }
        visitor.folder(dir, entries.isEmpty());
        for (Path p : entries) {
            BasicFileAttributes attrs = fs.readAttributesNoFollow(p);
            if (attrs.isDirectory()) {
                walk(p, visitor);
            } else {
                visitor.file(p, attrs);
            }
        }
    }

    /**
     * Regular files under {@code dir} by {@code /}-separated relative path. Links are not followed: a folder of the
     * backup root that is a link (or has one on its way) is passed over with a WARN line.
     */
    private Map<String, Path> files(Path dir) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        try {
            if (!dirs.exists(dir) || !dirs.attributes(dir).orElseThrow().isDirectory()) {
                return out;
            }
        } catch (io.keepwatch.fs.UnsafePathException e) {
            log.warn("Not read: {}: {}", e.getFile(), e.getReason());
            return out;
        }
        walk(dir, new Visitor() {
            @Override
            public void folder(Path d, boolean empty) {
            }

            @Override
            public void file(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && !StagingArea.isStagedName(file.getFileName().toString())) {
                    out.put(BackupLayout.relative(dir, file), file);
                }
            }
        });
        return out;
    }
}
