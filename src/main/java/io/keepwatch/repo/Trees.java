package io.keepwatch.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.restore.SafeRel;
import io.keepwatch.restore.Timeline;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.FolderSpan;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Tree objects: one per folder of a source, JSON, with the entries sorted by name and the fields in a fixed
 * order, so the same folder always encodes to the same bytes and so to the same blob id (an unchanged folder
 * costs nothing in a new snapshot). An entry is a name with any of: the current copy ({@code live}), the
 * highest version number used ({@code last_version}), old versions, deleted copies, and a subtree
 * ({@code tree}: a name may have been a file once and be a folder now), and the times it was an empty folder
 * ({@code empty}: its spans with their permission bits; left out when it never was, so trees written before
 * keepwatch recorded empty folders read as having none). Every record lists the ids of the chunks of its
 * content, in order.
 */
final class Trees {
    private Trees() {
    }

    /** The chunk ids of a content, by its hash; empty when the content could not be read (then the record is left out). */
    interface Contents {
        Optional<List<String>> chunks(Timeline.Entry entry) throws IOException, RepoException;
    }

    /** Encodes one source's part of the state as trees, adding each tree blob the repository lacks; returns the root tree id. */
    static String write(Repository repo, BackupState state, String source, List<String> paths, Contents contents)
            throws IOException, RepoException {
        Folder root = new Folder();
        for (String rel : paths) {
            FileRef ref = new FileRef(source, rel);
            String[] names = rel.split("/");
            Folder f = root;
            for (int i = 0; i < names.length - 1; i++) {
                f = f.entry(names[i]).folder();
            }
            f.entry(names[names.length - 1]).file = fileFields(state, ref, contents);
        }
        for (Map.Entry<String, List<FolderSpan>> e : state.folders(source).entrySet()) {
            if (e.getKey().isEmpty()) {
                continue; // the source's own folder: every restore of the source makes it
            }
            String[] names = e.getKey().split("/");
            Folder f = root;
            for (int i = 0; i < names.length - 1; i++) {
                f = f.entry(names[i]).folder();
            }
            f.entry(names[names.length - 1]).empty = e.getValue();
        }
        return root.write(repo);
    }

    private static final class Entry {
        ObjectNode file;
        List<FolderSpan> empty;
        Folder folder;

        Folder folder() {
            if (folder == null) {
                folder = new Folder();
            }
            return folder;
        }
    }

    private static final class Folder {
        final TreeMap<String, Entry> entries = new TreeMap<>();

        Entry entry(String name) {
            return entries.computeIfAbsent(name, n -> new Entry());
        }

        String write(Repository repo) throws IOException, RepoException {
            ObjectNode tree = Repository.JSON.createObjectNode();
            ArrayNode list = tree.putArray("entries");
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                ObjectNode n = list.addObject();
                n.put("name", e.getKey());
                if (e.getValue().file != null) {
                    n.setAll(e.getValue().file);
                }
                if (e.getValue().empty != null) {
                    ArrayNode spans = n.putArray("empty");
                    for (FolderSpan span : e.getValue().empty) {
                        ObjectNode o = spans.addObject();
                        o.put("perms", span.perms());
                        o.put("since", span.since().toString());
                        if (span.ended() != null) {
                            o.put("ended", span.ended().toString());
                        }
                    }
                }
                if (e.getValue().folder != null) {
                    n.put("tree", e.getValue().folder.write(repo));
                }
            }
            byte[] bytes = Repository.JSON.writeValueAsBytes(tree);
            return repo.add(Pack.TREE, bytes, 0, bytes.length);
        }
    }

    /**
     * The contents {@link #write} asks its {@link Contents} for, in the order it asks (current copy, versions,
     * deletions, path by path), so a push can read them ahead in that order.
     */
    static List<Timeline.Entry> contentsInOrder(BackupState state, String source, List<String> paths) {
        List<Timeline.Entry> out = new ArrayList<>();
        for (String rel : paths) {
            FileRef ref = new FileRef(source, rel);
            Map<String, Timeline.Entry> entries = entriesByKey(state, ref);
            if (state.live(ref).isPresent()) {
                out.add(entries.get(Timeline.Kind.CURRENT + "/0/"));
            }
            PathHistory h = state.history(ref);
            for (VersionRecord v : h.versions()) {
                out.add(entries.get(Timeline.Kind.VERSION + "/" + v.n() + "/"));
            }
            for (DeletionRecord d : h.deletions()) {
                out.add(entries.get(Timeline.Kind.DELETED + "/0/" + d.stored()));
            }
        }
        return out;
    }

    private static Map<String, Timeline.Entry> entriesByKey(BackupState state, FileRef ref) {
        Map<String, Timeline.Entry> entries = new HashMap<>();
        for (Timeline.Entry e : Timeline.of(state, ref)) {
            entries.put(e.kind() + "/" + e.version() + "/" + e.stored(), e);
        }
        return entries;
    }

    private static ObjectNode fileFields(BackupState state, FileRef ref, Contents contents) throws IOException, RepoException {
        ObjectNode n = Repository.JSON.createObjectNode();
        Map<String, Timeline.Entry> entries = entriesByKey(state, ref);
        Optional<LiveFile> live = state.live(ref);
        if (live.isPresent()) {
            LiveFile l = live.get();
            Optional<List<String>> chunks = contents.chunks(entries.get(Timeline.Kind.CURRENT + "/0/"));
            if (chunks.isPresent()) {
                ObjectNode o = n.putObject("live");
                content(o, l.hash(), l.size(), l.mtime(), l.perms(), l.since());
                if (l.isDuplicate()) {
                    o.put("duplicate_of", l.duplicateOf());
                }
                chunks(o, chunks.get());
            }
        }
        PathHistory h = state.history(ref);
        if (h.lastVersion() > 0) {
            n.put("last_version", h.lastVersion());
        }
        if (!h.versions().isEmpty()) {
            ArrayNode vs = n.putArray("versions");
            for (VersionRecord v : h.versions()) {
                Optional<List<String>> chunks = contents.chunks(entries.get(Timeline.Kind.VERSION + "/" + v.n() + "/"));
                if (chunks.isPresent()) {
                    ObjectNode o = vs.addObject();
                    o.put("n", v.n());
                    content(o, v.hash(), v.size(), v.mtime(), v.perms(), v.since());
                    o.put("archived_at", v.archivedAt().toString());
                    chunks(o, chunks.get());
                }
            }
        }
        if (!h.deletions().isEmpty()) {
            ArrayNode ds = n.putArray("deletions");
            for (DeletionRecord d : h.deletions()) {
                Optional<List<String>> chunks = contents.chunks(entries.get(Timeline.Kind.DELETED + "/0/" + d.stored()));
                if (chunks.isPresent()) {
                    ObjectNode o = ds.addObject();
                    o.put("stored", d.stored());
                    content(o, d.hash(), d.size(), d.mtime(), d.perms(), d.since());
                    o.put("deleted_at", d.deletedAt().toString());
                    chunks(o, chunks.get());
                }
            }
        }
        return n;
    }

    private static void content(ObjectNode o, String hash, long size, long mtime, String perms, Instant since) {
        o.put("hash", hash);
        o.put("size", size);
        o.put("mtime", mtime);
        o.put("perms", perms);
        o.put("since", since.toString());
    }

    private static void chunks(ObjectNode o, List<String> ids) {
        ArrayNode a = o.putArray("chunks");
        ids.forEach(a::add);
    }

    /** What reading a snapshot's trees gives: the state they describe, and the chunks of each content. */
    record Loaded(BackupState state, Map<String, List<String>> chunksByHash) {
    }

    /** Rebuilds the state a snapshot's trees describe. Anything malformed is a {@link RepoException} naming the tree. */
    static Loaded read(Repository repo, String hashAlgorithm, Map<String, String> roots, Path nameCheckBase)
            throws IOException, RepoException {
        BackupState state = new BackupState(hashAlgorithm);
        Map<String, List<String>> byHash = new HashMap<>();
        for (Map.Entry<String, String> r : roots.entrySet()) {
            readTree(repo, r.getValue(), r.getKey(), "", state, byHash, nameCheckBase, 0);
        }
        return new Loaded(state, byHash);
    }

    private static void readTree(Repository repo, String treeId, String source, String prefix, BackupState state,
            Map<String, List<String>> byHash, Path base, int depth) throws IOException, RepoException {
        String where = "tree " + treeId + " (" + source + "/" + prefix + ")";
        if (depth > 512) {
            throw new RepoException(where + ": folders nested too deep");
        }
        JsonNode tree = parse(repo.read(treeId), where);
        for (JsonNode e : tree.path("entries")) {
            String name = e.path("name").asText("");
            if (name.contains("/") || SafeRel.problem(name, base).isPresent()) {
                throw new RepoException(where + " is damaged: unsafe name '" + name + "'");
            }
            String rel = prefix.isEmpty() ? name : prefix + "/" + name;
            FileRef ref = new FileRef(source, rel);
            try {
                readFile(e, ref, state, byHash);
                readEmpty(e, ref, state);
            } catch (RuntimeException x) {
                throw new RepoException(where + " is damaged: entry '" + name + "': " + x.getMessage(), x);
            }
            if (e.hasNonNull("tree")) {
                readTree(repo, e.get("tree").asText(), source, rel, state, byHash, base, depth + 1);
            }
        }
    }

    static JsonNode parse(byte[] bytes, String where) throws RepoException {
        try {
            JsonNode n = Repository.JSON.readTree(bytes);
            if (n == null || !n.path("entries").isArray()) {
                throw new RepoException(where + " is damaged: not a tree");
            }
            return n;
        } catch (IOException x) {
            throw new RepoException(where + " is damaged: not JSON");
        }
    }

    private static void readFile(JsonNode e, FileRef ref, BackupState state, Map<String, List<String>> byHash) {
        JsonNode l = e.get("live");
        if (l != null) {
            state.putLive(ref, new LiveFile(text(l, "hash"), l.path("size").asLong(), l.path("mtime").asLong(), "",
                    l.path("perms").asText(""), Instant.parse(text(l, "since")), l.path("duplicate_of").asText("")));
            byHash.put(text(l, "hash"), chunkList(l));
        }
        List<VersionRecord> versions = new ArrayList<>();
        for (JsonNode v : e.path("versions")) {
            versions.add(new VersionRecord(v.path("n").asInt(), text(v, "hash"), v.path("size").asLong(), v.path("mtime").asLong(),
                    v.path("perms").asText(""), Instant.parse(text(v, "since")), Instant.parse(text(v, "archived_at"))));
            byHash.put(text(v, "hash"), chunkList(v));
        }
        List<DeletionRecord> deletions = new ArrayList<>();
        for (JsonNode d : e.path("deletions")) {
            deletions.add(new DeletionRecord(text(d, "stored"), text(d, "hash"), d.path("size").asLong(), d.path("mtime").asLong(),
                    d.path("perms").asText(""), Instant.parse(text(d, "since")), Instant.parse(text(d, "deleted_at"))));
            byHash.put(text(d, "hash"), chunkList(d));
        }
        int last = e.path("last_version").asInt(0);
        if (last > 0 || !versions.isEmpty() || !deletions.isEmpty()) {
            state.putHistory(ref, new PathHistory(last, versions, deletions));
        }
    }

    /** The spans of an entry that was an empty folder; an entry without {@code empty} never was one (or predates them). */
    private static void readEmpty(JsonNode e, FileRef ref, BackupState state) {
        JsonNode spans = e.get("empty");
        if (spans == null) {
            return;
        }
        if (!spans.isArray()) {
            throw new IllegalArgumentException("'empty' is not a list");
        }
        List<FolderSpan> out = new ArrayList<>();
        for (JsonNode span : spans) {
            String perms = span.path("perms").asText("");
            if (!perms.isEmpty()) {
                PosixFilePermissions.fromString(perms); // an IllegalArgumentException names a malformed one
            }
            JsonNode ended = span.get("ended");
            out.add(new FolderSpan(perms, Instant.parse(text(span, "since")), ended == null ? null : Instant.parse(text(span, "ended"))));
        }
        if (!out.isEmpty()) {
            state.putFolder(ref.source(), ref.rel(), out);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' missing");
        }
        return v.asText();
    }

    static List<String> chunkList(JsonNode record) {
        List<String> out = new ArrayList<>();
        for (JsonNode c : record.path("chunks")) {
            String id = c.asText("");
            if (id.length() != 64) {
                throw new IllegalArgumentException("chunk id '" + id + "' is not 64 hex digits");
            }
            out.add(id);
        }
        return out;
    }
}
