package io.keepwatch.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.engine.Progress;
import io.keepwatch.fs.RealFs;
import io.keepwatch.repo.Crypto;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.LocalStore;
import io.keepwatch.repo.RepoException;
import io.keepwatch.repo.RepoRestorer;
import io.keepwatch.repo.Repository;
import io.keepwatch.repo.Snapshot;
import io.keepwatch.restore.RestoreException;
import io.keepwatch.restore.RestoreReport;
import io.keepwatch.restore.Selection;
import io.keepwatch.restore.Timeline;
import io.keepwatch.restore.UnsafePathException;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.FolderSpan;
import io.keepwatch.state.StateStore;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code keepwatch import}: an archive into a folder, as files ({@link Mode#FILES}) or as a whole backup root
 * that {@code once} and {@code run} continue from ({@link Mode#BACKUP_ROOT}). Everything happens in
 * {@code DIR/.keepwatch-import/} first: the archive's objects are received into a repository there ({@code repo/},
 * each object written whole, the place reached recorded in {@code progress.json} after each), then the files, or
 * the backup root with its state.json, are written into {@code out/} and checked against their hashes, and only
 * then moved into {@code DIR} (a backup root's state.json last) and the staging folder
 * removed. Run again after a kill, an import goes on from the last object received (the archive is read from
 * there, not from its start) or from the step it was in. A wrong key is refused before anything is written.
 */
public final class Importer {
    public static final String STAGING = ".keepwatch-import";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to make of the archive. */
    public enum Mode {
        FILES, BACKUP_ROOT
    }

    /**
     * What an import did. {@code committed} is false when some contents could not be written: then nothing was
     * moved into the target and the problems say why.
     */
    public record Result(String snapshot, int files, long bytes, List<RestoreReport.Problem> problems, boolean committed,
            Optional<String> resumedFrom) {
    }

    private final Path archive;
    private final KeyFile.Opened key;
    private final String keyName;
    private final Path target;
    private final Mode mode;
    private final Clock clock;
    private final Progress progress;

    /** @param archive the archive file, or {@code -} for standard input */
    public Importer(Path archive, KeyFile.Opened key, String keyName, Path target, Mode mode, Clock clock, Progress progress) {
        this.archive = archive;
        this.key = key;
        this.keyName = keyName;
        this.target = target.toAbsolutePath().normalize();
        this.mode = mode;
        this.clock = clock;
        this.progress = progress;
    }

    private boolean stdin() {
        return archive.toString().equals("-");
    }

    public Result run(InputStream standardInput) throws IOException, RepoException, RestoreException {
        String what = stdin() ? "the archive on standard input" : "archive " + archive;
        try (FileChannel ch = stdin() ? null : FileChannel.open(archive, StandardOpenOption.READ)) {
            InputStream in = new BufferedInputStream(stdin() ? standardInput : Channels.newInputStream(ch), 1 << 16);
            ArchiveFormat.Header header = ArchiveFormat.readHeader(in, what);
            byte[] archiveKey = ArchiveFormat.checkKey(header, key.repoId(), new Crypto(key.master()), keyName, what);
            Path staging = prepareTarget();
            ObjectNode state = readProgress(staging, header);
            Optional<String> resumed = state.path("phase").asText().equals("receiving") && state.path("objects").asLong() == 0
                    ? Optional.empty() : Optional.of(describe(state));
            LocalStore store = new LocalStore(staging.resolve("repo"));
            if (state.path("phase").asText().equals("receiving")) {
                receive(ch, in, header, archiveKey, what, staging, store, state);
            }
            return materialise(staging, store, state, resumed);
        }
    }

    private static String describe(ObjectNode state) {
        return switch (state.path("phase").asText()) {
            case "receiving" -> "object " + (state.path("objects").asLong() + 1) + " of the archive (segment " + state.path("segment").asLong() + ")";
            case "received" -> "writing the files (every object of the archive had been received)";
            default -> "moving the files into place";
        };
    }

    /** The target must be new, empty, or hold only an unfinished import; returns the staging folder. */
    private Path prepareTarget() throws IOException, RestoreException {
        Path staging = target.resolve(STAGING);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new RestoreException("refusing to import into " + target + ": it is not a folder");
            }
            boolean unfinished = Files.isDirectory(staging, LinkOption.NOFOLLOW_LINKS);
            if (!unfinished) {
                try (var ds = Files.newDirectoryStream(target)) {
                    if (ds.iterator().hasNext()) {
                        throw new RestoreException("refusing to import into " + target + ": it is not empty (import into a new or empty folder)");
                    }
                }
            }
        }
        Staging.makeDir(target);
        Staging.makeDir(staging);
        return staging;
    }

    private ObjectNode readProgress(Path staging, ArchiveFormat.Header header) throws IOException, RestoreException {
        Path file = staging.resolve("progress.json");
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            JsonNode n;
            try {
                n = JSON.readTree(Files.readAllBytes(file));
            } catch (IOException e) {
                n = null;
            }
            if (n instanceof ObjectNode o && o.path("archive").asText().equals(header.fingerprint())) {
                return o;
            }
            if (n instanceof ObjectNode o && o.has("archive")) {
                throw new RestoreException("refusing to import into " + target + ": it holds an unfinished import of another archive; "
                        + "remove " + staging + " to start over");
            }
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("archive", header.fingerprint());
        o.put("mode", mode.name().toLowerCase(java.util.Locale.ROOT));
        o.put("phase", "receiving");
        o.put("segment", 0).put("offset", ArchiveFormat.HEADER_BYTES).put("objects", 0).put("object_bytes", 0);
        Staging.replace(file, JSON.writeValueAsBytes(o));
        return o;
    }

    private void saveProgress(Path staging, ObjectNode state) throws IOException {
        Staging.replace(staging.resolve("progress.json"), JSON.writeValueAsBytes(state));
    }

    private void receive(FileChannel ch, InputStream headerIn, ArchiveFormat.Header header, byte[] archiveKey, String what,
            Path staging, LocalStore store, ObjectNode state) throws IOException, RepoException {
        long segment = state.path("segment").asLong();
        long offset = state.path("offset").asLong();
        long objects = state.path("objects").asLong();
        long objectBytes = state.path("object_bytes").asLong();
        InputStream in = headerIn;
        if (segment > 0 && ch != null) {
            ch.position(offset);
            in = new BufferedInputStream(Channels.newInputStream(ch), 1 << 16);
        } else {
            segment = 0;
            offset = ArchiveFormat.HEADER_BYTES;
            objects = 0;
            objectBytes = 0;
        }
        Staging.makeDir(store.root());
        ArchiveReader reader = new ArchiveReader(in, header, archiveKey, what, segment, offset, objects, objectBytes, progress);
        progress.begin("receiving", ch != null ? ch.size() - offset : 0);
        try {
            for (Optional<ArchiveReader.Obj> o; (o = reader.next()).isPresent();) {
                store.putIfAbsent(o.get().name(), o.get().data());
                state.put("segment", reader.number()).put("offset", reader.offset()).put("objects", reader.objects())
                        .put("object_bytes", reader.objectBytes());
                saveProgress(staging, state);
            }
        } finally {
            progress.end();
        }
        state.put("phase", "received");
        saveProgress(staging, state);
    }

    private Result materialise(Path staging, LocalStore store, ObjectNode state, Optional<String> resumed)
            throws IOException, RepoException, RestoreException {
        Path out = staging.resolve("out");
        if (state.path("phase").asText().equals("received")) {
            Optional<Result> unfinished = write(out, store, state, resumed);
            if (unfinished.isPresent()) {
                return unfinished.get();
            }
            saveProgress(staging, state);
        }
        commit(out);
        // progress.json goes last: until it is gone, a rerun knows the import was being committed
        Staging.deleteTree(staging.resolve("repo"));
        Staging.deleteTree(out);
        Files.deleteIfExists(staging.resolve("progress.json"));
        Files.deleteIfExists(staging);
        Staging.syncDir(target);
        return new Result(state.path("snapshot").asText(), state.path("files").asInt(), state.path("bytes").asLong(), List.of(), true,
                resumed);
    }

    /**
     * Writes the files, or the backup root with its state.json, into {@code out}, each checked against its hash; sets
     * the phase to committing. Returns a result only when something could not be written (then nothing is committed).
     */
    private Optional<Result> write(Path out, LocalStore store, ObjectNode state, Optional<String> resumed)
            throws IOException, RepoException, RestoreException {
        try (Repository repo = Repository.open(store, key, keyName, Optional.empty())) {
            List<Snapshot> snaps = Snapshot.all(repo);
            if (snaps.size() != 1) {
                throw new RepoException("the archive holds " + snaps.size() + " snapshots, not one (it is not an export of keepwatch)");
            }
            Snapshot snap = snaps.get(0);
            String described = "snapshot " + snap.shortId() + " of " + snap.host() + " (" + snap.time() + ")";
            Staging.makeDir(out);
            RepoRestorer restorer = RepoRestorer.of(repo, snap, out, progress);
            BackupState s = restorer.state();
            List<Selection.Item> items = new ArrayList<>();
            List<Selection.Folder> folders = new ArrayList<>();
            List<RestoreReport.Problem> problems = new ArrayList<>();
            if (mode == Mode.FILES) {
                Selection.Request latest = new Selection.Request(Optional.empty(), Optional.empty(), new Selection.When.Latest());
                folders = Selection.folders(s, latest);
                if (s.totalLive() > 0) {
                    items = Selection.select(s, latest);
                }
            } else {
                BackupLayout layout = new BackupLayout(out);
                for (String source : s.sourceNames()) {
                    for (String rel : Timeline.paths(s, source)) {
                        for (Timeline.Entry e : Timeline.of(s, new FileRef(source, rel))) {
                            try {
                                items.add(new Selection.Item(e, BackupLayout.relative(out, e.file(layout))));
                            } catch (UnsafePathException x) {
                                problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, source + "/" + rel, x.getMessage()));
                            }
                        }
                    }
                    // the mirror holds the empty folders there are now, as a backup pass makes them
                    for (Map.Entry<String, List<FolderSpan>> f : new TreeMap<>(s.folders(source)).entrySet()) {
                        FolderSpan last = f.getValue().get(f.getValue().size() - 1);
                        if (last.open() && !f.getKey().isEmpty()) {
                            try {
                                folders.add(new Selection.Folder(BackupLayout.relative(out, layout.current(new FileRef(source, f.getKey()))),
                                        last.perms()));
                            } catch (RuntimeException x) {
                                problems.add(new RestoreReport.Problem(RestoreReport.Kind.REFUSED, source + "/" + f.getKey(), x.getMessage()));
                            }
                        }
                    }
                }
            }
            RestoreReport report = restorer.restore(items, folders, out, true);
            problems.addAll(report.problems());
            if (!problems.isEmpty()) {
                return Optional.of(new Result(described, report.restored(), report.bytes(), problems, false, resumed));
            }
            if (mode == Mode.BACKUP_ROOT) {
                BackupLayout layout = new BackupLayout(out);
                Staging.makeDir(layout.privateDir());
                new StateStore(layout, RealFs.forFileSystem(out.getFileSystem()), clock).save(s);
            }
            state.put("phase", "committing").put("snapshot", described).put("files", report.restored()).put("bytes", report.bytes());
            return Optional.empty();
        }
    }

    /** Moves what {@code out} holds into the target; a backup root's private folder (state.json) last. */
    private void commit(Path out) throws IOException {
        List<Path> children = new ArrayList<>();
        if (!Files.isDirectory(out, LinkOption.NOFOLLOW_LINKS)) {
            return; // moved and removed before a kill
        }
        try (var ds = Files.newDirectoryStream(out)) {
            ds.forEach(children::add);
        }
        // state.json is what makes the folder a backup root: it goes last
        children.sort(Comparator.comparing((Path p) -> p.getFileName().toString().equals(BackupLayout.STATE_FILE))
                .thenComparing(p -> p.getFileName().toString()));
        for (Path child : children) {
            Path dest = target.resolve(child.getFileName().toString());
            if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("cannot move " + child + " into place: " + dest + " appeared meanwhile; the import is left in " + out);
            }
            Files.move(child, dest, StandardCopyOption.ATOMIC_MOVE);
            Staging.syncDir(target);
        }
    }
}
