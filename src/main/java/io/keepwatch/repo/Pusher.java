package io.keepwatch.repo;

import io.keepwatch.engine.Progress;
import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.restore.Timeline;
import io.keepwatch.restore.UnsafePathException;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keepwatch push}: the local backup's state into a new snapshot. Every content the state refers to
 * (current copies, old versions, deleted copies) is read from the backup root, checked against the hash the
 * state records, chunked, and each chunk the repository lacks is added; then the trees; then the packs and
 * index are flushed; the snapshot object is written last. A content already pushed is known by its hash from
 * a local cache (checked against the index) and not read again. A push that is stopped leaves packs and maybe
 * index objects but no snapshot; the next push indexes those packs and does not upload their chunks again.
 */
public final class Pusher {
    private static final Logger log = LoggerFactory.getLogger(Pusher.class);

    /** What a push did. {@code snapshot} is empty when nothing changed since the host's newest snapshot. */
    public record Result(Optional<Snapshot> snapshot, Optional<Snapshot> unchangedFrom, int contentsRead, long bytesRead,
            long bytesAdded, List<String> problems) {
    }

    /** Where the backup file holding a content is. */
    public interface Locator {
        Path file(Timeline.Entry entry) throws UnsafePathException;
    }

    private final Repository repo;
    private final BackupLayout layout;
    private final Locator locator;
    private final Clock clock;
    private final String host;
    private final Progress progress;
    private final Optional<Path> cacheFile;
    /** host, snapshot name and state position of the last push that found nothing changed (see {@link #madeFrom}). */
    private final Optional<Path> unchangedFile;
    /** {@link #listing} as the last push left the repository, every pack indexed. */
    private final Optional<Path> listingFile;
    private final Map<String, List<String>> known = new HashMap<>();
    private final Map<String, List<String>> cached = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private int contentsRead;
    private long bytesRead;
    private Lock lock;
    /** Files read ahead at once, and how they are opened (tests change both): with O_DIRECT where that works. */
    private int readAhead = READ_AHEAD;
    private ContentReader.Opener opener = new DirectReads();
    private ContentReader reader;

    /** Backup files read at once, ahead of the push (restic reads 2): enough to keep both the disk and the cores busy. */
    static final int READ_AHEAD = 3;

    public Pusher(Repository repo, BackupLayout layout, Clock clock, String host, Progress progress, Optional<Path> cacheRoot) {
        this(repo, layout, clock, host, progress, cacheRoot, e -> e.file(layout));
    }

    /**
     * A pusher that finds each content's backup file through {@code locator} (an export as of an earlier moment,
     * whose current copies are held by today's versions and deleted copies).
     */
    public Pusher(Repository repo, BackupLayout layout, Clock clock, String host, Progress progress, Optional<Path> cacheRoot,
            Locator locator) {
        this.locator = locator;
        this.repo = repo;
        this.layout = layout;
        this.clock = clock;
        this.host = host;
        this.progress = progress;
        this.cacheFile = cacheRoot.map(r -> r.resolve(repo.id()).resolve("contents"));
        this.unchangedFile = cacheRoot.map(r -> r.resolve(repo.id()).resolve("unchanged"));
        this.listingFile = cacheRoot.map(r -> r.resolve(repo.id()).resolve("listing"));
    }

    /** Loads the local state when a push needs it. */
    public interface StateLoader<X extends Exception> {
        BackupState load() throws IOException, X;
    }

    /** Reads {@code window} files ahead (0: each when its turn comes), opened by {@code opener}: a seam for tests. */
    Pusher reading(int window, ContentReader.Opener opener) {
        this.readAhead = window;
        this.opener = opener;
        return this;
    }

    /** Pushes the state; {@code sourcePaths} gives each source's folder on this host, for the snapshot. */
    public Result push(BackupState state, Map<String, String> sourcePaths) throws IOException, RepoException {
        return push(Optional.empty(), (StateLoader<RuntimeException>) () -> state, sourcePaths);
    }

    /**
     * Pushes the state {@code loader} loads, which stands at {@code position} ({@code StateStore.position()}, taken
     * before loading) or later. When this host's newest snapshot was made from that very position (recorded in the
     * snapshot, or in the local cache by a push that found nothing changed), had no problems and names the same
     * source folders, nothing is loaded or read: the push would build the same trees and make no snapshot. Otherwise
     * the state is loaded and pushed, and the new snapshot records the position.
     */
    public <X extends Exception> Result push(Optional<String> position, StateLoader<X> loader, Map<String, String> sourcePaths)
            throws IOException, RepoException, X {
        try (Lock l = Lock.take(repo, clock, host, false)) {
            this.lock = l;
            Optional<Snapshot> newest = newestOfHost();
            boolean unchanged = position.isPresent() && newest.isPresent() && madeFrom(newest.get(), position.get(), sourcePaths);
            // Packs no index lists (an interrupted push, a lost index object) are indexed by every push; when the
            // packs and index objects are those a push left, there are none and the index need not be read.
            String listing = listing();
            if (!unchanged || !listing.equals(cached(listingFile))) {
                repo.loadIndex();
                int orphans = repo.indexOrphanPacks(true);
                if (orphans > 0) {
                    log.info("indexed {} pack(s) left by an interrupted push or missing from the index", orphans);
                    listing = listing();
                }
            }
            if (unchanged) {
                log.debug("the state is at {}, as snapshot {} was made from: nothing to push", position.get(), newest.get().shortId());
                remember(listingFile, listing);
                return new Result(Optional.empty(), newest, 0, 0, 0, List.of());
            }
            BackupState state = loader.load();
            loadCache();
            List<Snapshot.Source> sources = new ArrayList<>();
            long total = 0;
            for (String s : state.sourceNames()) {
                total += state.liveFiles(s).values().stream().mapToLong(f -> f.size()).sum();
            }
            progress.begin("pushing", total);
            try (ContentReader r = new ContentReader(repo, plan(state).iterator(), readAhead, opener)) {
                this.reader = r;
                for (String source : state.sourceNames()) {
                    String tree = Trees.write(repo, state, source, Timeline.paths(state, source), this::chunks);
                    sources.add(new Snapshot.Source(source, sourcePaths.getOrDefault(source, ""), tree));
                }
            } finally {
                progress.end();
            }
            repo.flush();
            saveCache();
            remember(listingFile, listing());
            Optional<Snapshot> parent = newestOfHost();
            if (parent.isPresent() && parent.get().sources().equals(sources) && problems.isEmpty()
                    && parent.get().hashAlgorithm().equals(state.hashAlgorithm())) {
                if (position.isPresent()) {
                    rememberUnchanged(parent.get(), position.get());
                }
                return new Result(Optional.empty(), parent, contentsRead, bytesRead, repo.bytesAdded(), problems);
            }
            String recorded = problems.isEmpty() ? position.orElse("") : "";
            Snapshot snap = new Snapshot("", clock.instant(), host, state.hashAlgorithm(), sources, problems.size(), recorded);
            String name = repo.saveObject("snapshots", snap.encode());
            snap = new Snapshot(name, snap.time(), host, snap.hashAlgorithm(), sources, problems.size(), recorded);
            return new Result(Optional.of(snap), Optional.empty(), contentsRead, bytesRead, repo.bytesAdded(), problems);
        }
    }

    /**
     * Whether {@code snap} is what a push of the state at {@code position} would leave as this host's newest
     * snapshot: made from that position (by its own record, or the cache's record that a push from that position
     * found it unchanged), without problems, and with each source at the folder the config names now.
     */
    private boolean madeFrom(Snapshot snap, String position, Map<String, String> sourcePaths) throws IOException {
        if (snap.problems() != 0 || !(position.equals(snap.statePosition()) || position.equals(unchangedAt(snap)))) {
            return false;
        }
        return snap.sources().stream().allMatch(s -> s.path().equals(sourcePaths.getOrDefault(s.name(), "")));
    }

    /** The state position a push found {@code snap} unchanged at (the cache's record), or "". */
    private String unchangedAt(Snapshot snap) throws IOException {
        String[] f = cached(unchangedFile).split("\t", -1);
        return f.length == 3 && f[0].equals(host) && f[1].equals(snap.name()) ? f[2] : "";
    }

    /** Records in the cache that a push of the state at {@code position} left {@code snap} as this host's newest. */
    private void rememberUnchanged(Snapshot snap, String position) throws IOException {
        if (position.indexOf('\t') < 0 && position.indexOf('\n') < 0) {
            remember(unchangedFile, host + "\t" + snap.name() + "\t" + position);
        }
    }

    /** The names and sizes of the repository's packs and index objects, as one SHA-256. */
    private String listing() throws IOException {
        MessageDigest d = HashAlgorithm.SHA256.newDigest();
        for (String prefix : List.of("index/", "data/")) {
            for (BlobStore.Entry e : repo.store().list(prefix)) {
                d.update((e.name() + " " + e.size() + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return Hex.of(d.digest());
    }

    /** A one-line record of the cache, or "" when there is none. */
    private static String cached(Optional<Path> file) throws IOException {
        if (file.isEmpty() || !Files.isRegularFile(file.get())) {
            return "";
        }
        return Files.readString(file.get(), StandardCharsets.UTF_8).strip();
    }

    private static void remember(Optional<Path> file, String line) throws IOException {
        if (file.isPresent()) {
            Private.ensureTop(file.get().getParent());
            Private.replace(file.get(), (line + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    private Optional<Snapshot> newestOfHost() throws IOException, RepoException {
        return Snapshot.all(repo).stream().filter(s -> s.host().equals(host)).reduce((a, b) -> b);
    }

    /** The chunks of one content: known from this push or the cache, else read from the backup root. */
    private Optional<List<String>> chunks(Timeline.Entry entry) throws IOException, RepoException {
        String hash = entry.hash();
        List<String> ids = known.get(hash);
        if (ids == null) {
            List<String> c = cached.get(hash);
            if (c != null && c.stream().allMatch(repo::has)) {
                ids = c;
            }
        }
        if (ids == null) {
            Optional<List<String>> read = read(entry);
            if (read.isEmpty()) {
                return read;
            }
            ids = read.get();
        }
        known.put(hash, ids);
        lock.renewIfDue();
        return Optional.of(ids);
    }

    /**
     * The contents this push will read, in the order the trees ask for them: each content once, unless this host's
     * cache shows it pushed already or its file or hash cannot be used (the push reports those when it comes to them).
     */
    private List<ContentReader.Wanted> plan(BackupState state) {
        List<ContentReader.Wanted> plan = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String source : state.sourceNames()) {
            for (Timeline.Entry e : Trees.contentsInOrder(state, source, Timeline.paths(state, source))) {
                String hash = e.hash();
                List<String> c = cached.get(hash);
                if (!seen.add(hash) || c != null && c.stream().allMatch(repo::has)) {
                    continue;
                }
                Optional<HashAlgorithm> alg = HashAlgorithm.ofStoredHash(hash);
                try {
                    if (alg.isPresent()) {
                        plan.add(new ContentReader.Wanted(hash, locator.file(e), alg.get()));
                    }
                } catch (UnsafePathException x) {
                    // reported when the trees come to it
                }
            }
        }
        return plan;
    }

    private Optional<List<String>> read(Timeline.Entry entry) throws IOException, RepoException {
        String hash = entry.hash();
        long size = entry.size();
        Path file;
        try {
            file = locator.file(entry);
        } catch (UnsafePathException e) {
            problem(entry, e.getMessage());
            return Optional.empty();
        }
        Optional<HashAlgorithm> alg = HashAlgorithm.ofStoredHash(hash);
        if (alg.isEmpty()) {
            problem(entry, "state.json records the hash '" + hash + "' of an unknown algorithm");
            return Optional.empty();
        }
        List<String> ids = new ArrayList<>();
        ContentReader.Item[] end = new ContentReader.Item[1];
        ContentReader.Sink sink = item -> {
            if (item instanceof ContentReader.Chunk c) {
                try {
                    repo.addChunk(c.id(), c.data());
                } catch (RepoException e) {
                    throw new WrappedRepoException(e);
                }
                ids.add(c.id());
                progress.advance(c.data().length);
            } else {
                end[0] = item;
            }
        };
        ContentReader.Reading ahead = reader.next(hash, h -> !known.containsKey(h));
        try {
            if (ahead != null) {
                while (end[0] == null) {
                    sink.accept(ahead.take());
                }
            } else {
                reader.readNow(new ContentReader.Wanted(hash, file, alg.get()), sink);
            }
        } catch (WrappedRepoException e) {
            throw (RepoException) e.getCause();
        }
        String rel = BackupLayout.relative(layout.root(), file).toString();
        if (end[0] instanceof ContentReader.Failed f) {
            if (f.error() instanceof NoSuchFileException) {
                problem(entry, "its backup file " + rel + " is missing");
                return Optional.empty();
            }
            throw new IOException("reading " + rel + " (" + entry.describe() + "): " + f.error().getMessage(), f.error());
        }
        ContentReader.Done done = (ContentReader.Done) end[0];
        contentsRead++;
        bytesRead += done.size();
        if (!done.hash().equals(hash) || done.size() != size) {
            problem(entry, "its backup file " + rel + " is corrupt (hashes to "
                    + done.hash() + ", " + done.size() + " bytes; state.json records " + hash + ", " + size + " bytes)");
            return Optional.empty();
        }
        return Optional.of(ids);
    }

    /** Carries a {@link RepoException} through a reader's sink. */
    private static final class WrappedRepoException extends IOException {
        private static final long serialVersionUID = 1L;

        WrappedRepoException(RepoException e) {
            super(e);
        }
    }

    private void problem(Timeline.Entry entry, String reason) {
        String p = entry.describe() + ": " + reason + "; left out of the snapshot";
        log.warn(p);
        problems.add(p);
    }

    private void loadCache() throws IOException {
        if (cacheFile.isEmpty() || !Files.isRegularFile(cacheFile.get())) {
            return;
        }
        for (String line : Files.readAllLines(cacheFile.get(), StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                String ids = line.substring(tab + 1);
                cached.put(line.substring(0, tab), ids.isEmpty() ? List.of() : List.of(ids.split(",")));
            }
        }
    }

    private void saveCache() throws IOException {
        if (cacheFile.isEmpty()) {
            return;
        }
        Map<String, List<String>> all = new java.util.TreeMap<>(cached);
        all.putAll(known);
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<String>> e : all.entrySet()) {
            if (e.getValue().stream().allMatch(repo::has)) {
                sb.append(e.getKey()).append('\t').append(String.join(",", e.getValue())).append('\n');
            }
        }
        Private.ensureTop(cacheFile.get().getParent());
        Private.replace(cacheFile.get(), sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
