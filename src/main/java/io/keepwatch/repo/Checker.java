package io.keepwatch.repo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code keepwatch check}: the repository's structure (every snapshot opens, every tree is indexed and
 * reads, every chunk a file refers to is indexed in a pack that exists and is long enough) and, with
 * {@code readData} set, the data (every blob of the chosen packs opens and matches its id, and each pack's
 * header matches the index). Each damaged object is reported with the files and versions it affects.
 */
public final class Checker {
    /** One damaged object: what is wrong and what it affects (file descriptions with the snapshot). */
    public record Damage(String object, Set<String> reasons, Set<String> affects) {
    }

    /** What check found. */
    public record Report(int snapshots, int packs, int packsRead, long bytesRead, long plaintextRead, List<Damage> damage,
            List<String> notes) {
        public boolean clean() {
            return damage.isEmpty();
        }
    }

    private final Repository repo;
    private final Map<String, Damage> damage = new TreeMap<>();
    private final List<String> notes = new ArrayList<>();
    /** Chunk or tree id to the files, versions and folders that use it. */
    private final Map<String, Set<String>> uses = new HashMap<>();
    private final Set<String> treesSeen = new HashSet<>();

    public Checker(Repository repo) {
        this.repo = repo;
    }

    /** @param readFraction 0 for structure only, 1 to read every pack, else the fraction of packs to read (chosen at random) */
    public Report check(double readFraction) throws IOException, RepoException {
        repo.damagedIndex().forEach((name, reason) -> damage(name, reason, Set.of("the packs it lists are found through their headers")));
        Set<String> indexed = new HashSet<>(repo.index().packIds());
        int orphans = repo.indexOrphanPacks(false);
        Map<String, Long> sizes = new HashMap<>();
        for (BlobStore.Entry e : repo.store().list("data/")) {
            sizes.put(e.name().substring(e.name().lastIndexOf('/') + 1), e.size());
        }
        int snapshots = 0;
        for (BlobStore.Entry e : repo.store().list("snapshots/")) {
            Snapshot s;
            try {
                s = Snapshot.decode(e.name(), repo.loadObject(e.name()));
            } catch (RepoException x) {
                damage(e.name(), x.getMessage(), Set.of("the whole snapshot " + e.name()));
                continue;
            }
            snapshots++;
            for (Snapshot.Source src : s.sources()) {
                walk(src.tree(), src.name(), "", "snapshot " + s.shortId());
            }
        }
        Set<String> usedPacks = new HashSet<>();
        for (String blob : uses.keySet()) {
            repo.index().find(blob).ifPresent(l -> usedPacks.add(l.packId()));
        }
        int orphanUnused = 0;
        Set<String> readable = new HashSet<>();
        for (String packId : repo.index().packIds()) {
            String name = Pack.name(packId);
            List<Pack.Entry> entries = repo.index().pack(packId);
            Long size = sizes.get(packId);
            if (!indexed.contains(packId)) {
                if (usedPacks.contains(packId)) {
                    damage(name, "listed in no index object (an index object was lost or damaged); `keepwatch push` indexes it again",
                            affected(entries));
                } else {
                    orphanUnused++;
                }
            }
            if (size == null) {
                damage(name, "missing", affected(entries));
                continue;
            }
            long end = entries.stream().mapToLong(x -> (long) x.offset() + x.length()).max().orElse(0);
            if (size < end + 4 + Crypto.OVERHEAD) {
                damage(name, "truncated: " + size + " bytes, its blobs alone need " + end, affected(entries));
            } else {
                readable.add(packId);
            }
        }
        if (orphans > 0) {
            notes.add(orphans + " pack(s) listed in no index" + (orphanUnused > 0 ? ", " + orphanUnused
                    + " of them used by no snapshot (left by an interrupted push: the next push indexes them, prune removes them)" : ""));
        }
        // Every pack that is there and long enough is read, also one whose tree failed above or that no index lists:
        // its other blobs may be damaged too, and are named only if it is read.
        List<String> toRead = new ArrayList<>(repo.index().packIds());
        toRead.removeIf(p -> !readable.contains(p));
        if (readFraction < 1) {
            Collections.shuffle(toRead, new Random());
            toRead = toRead.subList(0, readFraction <= 0 ? 0 : (int) Math.ceil(toRead.size() * readFraction));
        }
        long[] read = readPacks(toRead, sizes);
        return new Report(snapshots, sizes.size(), toRead.size(), read[0], read[1], List.copyOf(damage.values()), notes);
    }

    /**
     * Reads the packs, each once and whole (one sequential read), on a few threads: each pack's header is
     * compared with the index and each of its blobs is opened, decompressed and hashed once. At most
     * {@link #readThreads()} packs are in memory at a time.
     *
     * @return the sealed bytes and the plaintext bytes read
     */
    private long[] readPacks(List<String> packIds, Map<String, Long> sizes) throws IOException {
        if (packIds.isEmpty()) {
            return new long[2];
        }
        int threads = Math.min(readThreads(), packIds.size());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "check-read");
            t.setDaemon(true);
            return t;
        });
        ThreadLocal<Repository.Scratch> scratch = ThreadLocal.withInitial(Repository.Scratch::new);
        // Each thread reads its packs into one buffer it keeps (direct, for a local store): a new 16-24 MiB array per
        // pack made the young collections copy packs in flight, about a second per collection of 1 GiB's check.
        // Each is made once, as large as the largest pack, so a larger pack coming later does not make it allocate another.
        int largest = (int) Math.min(Integer.MAX_VALUE - 16L * 1024, packIds.stream().mapToLong(sizes::get).max().orElse(0));
        ThreadLocal<ByteBuffer[]> buffers = ThreadLocal.withInitial(() -> new ByteBuffer[] {repo.store().buffer(largest)});
        try {
            List<Future<PackRead>> reads = new ArrayList<>();
            for (String packId : packIds) {
                reads.add(pool.submit(() -> readPack(packId, scratch.get(), buffers.get())));
            }
            long sealed = 0;
            long plain = 0;
            for (Future<PackRead> f : reads) {
                PackRead r = join(f);
                sealed += r.sealed();
                plain += r.plain();
                for (Damage d : r.damage()) {
                    d.reasons().forEach(reason -> damage(d.object(), reason, d.affects()));
                }
            }
            return new long[] {sealed, plain};
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Threads that read packs: two more than the processors, at most 6, so that while every processor opens and hashes
     * blobs, the next packs are already being read from the disk (each thread reads a whole pack, then opens its blobs;
     * with one thread per processor both were often waiting on the disk at once, and the processors idle). Each holds
     * one pack of 16-24 MiB and its largest blob.
     */
    static int readThreads() {
        return Math.min(6, Runtime.getRuntime().availableProcessors() + 2);
    }

    private static PackRead join(Future<PackRead> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("check was interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** What reading one pack found: its size, the plaintext of its blobs that opened, its damage. */
    private record PackRead(long sealed, long plain, List<Damage> damage) {
    }

    /** Reads one pack; runs on a reading thread, so it reads {@link #uses} and the index but changes nothing shared. */
    private PackRead readPack(String packId, Repository.Scratch scratch, ByteBuffer[] buffer) throws IOException {
        String name = Pack.name(packId);
        List<Pack.Entry> entries = repo.index().pack(packId);
        List<Damage> found = new ArrayList<>();
        ByteBuffer pack = repo.store().get(name, buffer[0]);
        buffer[0] = pack;
        int packLength = pack.limit();
        try {
            if (packLength < 4) {
                throw new RepoException("it is truncated (" + packLength + " bytes)");
            }
            int hlen = pack.getInt(packLength - 4);
            if (hlen < Crypto.OVERHEAD || hlen > packLength - 4) {
                throw new RepoException("its header length " + hlen + " does not fit (truncated or damaged)");
            }
            byte[] sealed = new byte[hlen];
            pack.get(packLength - 4 - hlen, sealed);
            List<Pack.Entry> header = Pack.header(repo.crypto(), packId, sealed);
            if (!new HashSet<>(header).equals(new HashSet<>(entries))) {
                found.add(new Damage(name, Set.of("its header does not list the same blobs as the index"), affected(entries)));
            }
        } catch (RepoException | RuntimeException e) {
            found.add(new Damage(name, Set.of(String.valueOf(e.getMessage())), affected(entries)));
        }
        long plain = 0;
        for (Pack.Entry e : entries) {
            try {
                if ((long) e.offset() + e.length() > packLength) {
                    throw new RepoException("blob " + e.id() + " lies beyond the end of the pack (truncated)");
                }
                plain += repo.openBlob(packId, e, pack, e.offset(), scratch).remaining();
            } catch (RepoException x) {
                found.add(new Damage(name, Set.of(x.getMessage()), uses.getOrDefault(e.id(), Set.of("no file (blob " + e.id() + " is unused)"))));
            }
        }
        return new PackRead(packLength, plain, found);
    }

    private Set<String> affected(List<Pack.Entry> entries) {
        Set<String> out = new LinkedHashSet<>();
        for (Pack.Entry e : entries) {
            out.addAll(uses.getOrDefault(e.id(), Set.of()));
        }
        if (out.isEmpty()) {
            out.add("no file of any snapshot");
        }
        return out;
    }

    private void walk(String treeId, String source, String prefix, String snapshot) throws IOException {
        String folder = "folder " + source + "/" + prefix + " (" + snapshot + ")";
        uses.computeIfAbsent(treeId, k -> new LinkedHashSet<>()).add("everything in " + folder);
        if (!treesSeen.add(treeId)) {
            return;
        }
        JsonNode tree;
        try {
            tree = Trees.parse(repo.read(treeId), "tree " + treeId);
        } catch (RepoException e) {
            String object = repo.index().find(treeId).map(l -> Pack.name(l.packId())).orElse("tree " + treeId);
            damage(object, e.getMessage(), Set.of("everything in " + folder));
            return;
        }
        for (JsonNode e : tree.path("entries")) {
            String name = e.path("name").asText("");
            String rel = prefix.isEmpty() ? name : prefix + "/" + name;
            String file = source + "/" + rel;
            if (e.has("live")) {
                record(e.get("live"), "current copy of " + file + " (" + snapshot + ")");
            }
            for (JsonNode v : e.path("versions")) {
                record(v, "version " + v.path("n").asInt() + " of " + file + " (" + snapshot + ")");
            }
            for (JsonNode d : e.path("deletions")) {
                record(d, "deleted copy of " + file + " (deleted " + d.path("deleted_at").asText() + ", " + snapshot + ")");
            }
            if (e.hasNonNull("tree")) {
                walk(e.get("tree").asText(), source, rel, snapshot);
            }
        }
    }

    private void record(JsonNode record, String description) {
        List<String> chunks;
        try {
            chunks = Trees.chunkList(record);
        } catch (IllegalArgumentException e) {
            damage("tree entry", e.getMessage(), Set.of(description));
            return;
        }
        for (String c : chunks) {
            uses.computeIfAbsent(c, k -> new LinkedHashSet<>()).add(description);
            if (!repo.index().has(c)) {
                damage("chunk " + c, "in no pack of the repository", Set.of(description));
            }
        }
    }

    private void damage(String object, String reason, Set<String> affects) {
        Damage d = damage.computeIfAbsent(object, o -> new Damage(o, new LinkedHashSet<>(), new LinkedHashSet<>()));
        d.reasons().add(reason);
        d.affects().addAll(affects);
    }
}
