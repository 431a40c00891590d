package io.keepwatch.repo;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keepwatch prune}: removes what no snapshot uses, under an exclusive lock. With {@code keepLast}, each
 * host's older snapshots beyond the newest {@code keepLast} are removed first (each snapshot holds the whole
 * history the local backup kept, so the newest one alone restores every moment it knew). Then: packs of which
 * no blob is used are deleted; packs of which more than {@link #REPACK_UNUSED} of the bytes are unused are
 * repacked (their used blobs written into new packs) and deleted. The order keeps every snapshot whole at every
 * moment: new packs, then index objects listing exactly the packs that stay, then the old index objects are
 * deleted, and only then the packs. A prune that is stopped leaves a repository that is whole; run it again.
 * A repository with an unreadable snapshot or tree is not pruned (what it uses cannot be known). Snapshots and
 * packs the storage still retains (S3 Object Lock) are left as they are and listed in the report; an
 * append-only store is refused. Released locks of an append-only store are removed with their markers.
 */
public final class Pruner {
    private static final Logger log = LoggerFactory.getLogger(Pruner.class);
    /** The share of a pack's bytes that must be unused before it is repacked. */
    static final double REPACK_UNUSED = 0.10;

    /** What prune did (or, dry, would do). */
    public record Report(List<String> snapshotsRemoved, int packsDeleted, int packsRepacked, long bytesBefore, long bytesAfter,
            int locksRemoved, Map<String, java.time.Instant> retained) {
    }

    private final Repository repo;
    private final Clock clock;
    private final String host;

    public Pruner(Repository repo, Clock clock, String host) {
        this.repo = repo;
        this.clock = clock;
        this.host = host;
    }

    public Report prune(Optional<Integer> keepLast, boolean dryRun) throws IOException, RepoException {
        if (repo.store().appendOnly()) {
            throw new RepoException("prune refuses to run on " + repo.store().describe() + ": it is append-only (repository.s3.append_only), "
                    + "so keepwatch deletes nothing there; run prune from a trusted machine whose config does not set append_only, "
                    + "with credentials allowed to delete");
        }
        try (Lock lock = Lock.take(repo, clock, host, true)) {
            int orphans = repo.indexOrphanPacks(false);
            List<Snapshot> all = Snapshot.all(repo);
            List<Snapshot> remove = new ArrayList<>();
            if (keepLast.isPresent()) {
                Map<String, List<Snapshot>> byHost = new HashMap<>();
                all.forEach(s -> byHost.computeIfAbsent(s.host(), h -> new ArrayList<>()).add(s));
                for (List<Snapshot> l : byHost.values()) {
                    remove.addAll(l.subList(0, Math.max(0, l.size() - keepLast.get())));
                }
            }
            Map<String, java.time.Instant> retained = new java.util.TreeMap<>();
            for (java.util.Iterator<Snapshot> it = remove.iterator(); it.hasNext(); ) {
                if (retained(it.next().name(), retained)) {
                    it.remove();
                }
            }
            Set<String> used = new HashSet<>();
            for (Snapshot s : all) {
                if (!remove.contains(s)) {
                    for (Snapshot.Source src : s.sources()) {
                        collect(src.tree(), used);
                    }
                }
            }
            Map<String, Long> sizes = new HashMap<>();
            long before = 0;
            for (BlobStore.Entry e : repo.store().list("data/")) {
                sizes.put(e.name().substring(e.name().lastIndexOf('/') + 1), e.size());
                before += e.size();
            }
            long freed = 0;
            Set<String> delete = new LinkedHashSet<>();
            Set<String> repack = new LinkedHashSet<>();
            for (String packId : repo.index().packIds()) {
                if (!sizes.containsKey(packId)) {
                    throw new RepoException("pack " + Pack.name(packId) + " is missing; run `keepwatch check` first");
                }
                long unused = 0;
                long total = 0;
                for (Pack.Entry e : repo.index().pack(packId)) {
                    total += e.length();
                    if (!used.contains(e.id()) || !repo.index().find(e.id()).orElseThrow().packId().equals(packId)) {
                        unused += e.length(); // unused, or a second copy of a blob indexed in another pack
                    }
                }
                if (unused > total * REPACK_UNUSED && retained(Pack.name(packId), retained)) {
                    continue;
                }
                if (unused == total) {
                    delete.add(packId);
                    freed += sizes.get(packId);
                } else if (unused > total * REPACK_UNUSED) {
                    repack.add(packId);
                    freed += unused;
                }
            }
            int staleLocks = 0;
            if (dryRun) {
                return new Report(remove.stream().map(Snapshot::shortId).toList(), delete.size(), repack.size(), before, before - freed, 0,
                        retained);
            }
            for (Snapshot s : remove) {
                repo.store().delete(s.name());
                log.info("PRUNE snapshot {} of {} ({})", s.shortId(), s.host(), s.time());
            }
            // The used blobs of the packs to repack, into new packs.
            for (String packId : repack) {
                for (Pack.Entry e : repo.index().pack(packId)) {
                    if (used.contains(e.id()) && repo.index().find(e.id()).orElseThrow().packId().equals(packId)) {
                        byte[] data = repo.read(e.id());
                        repo.addAgain(e.type(), e.id(), data, 0, data.length);
                    }
                    lock.renewIfDue();
                }
            }
            Set<String> oldIndex = new HashSet<>(repo.indexObjects());
            for (BlobStore.Entry e : repo.store().list("index/")) {
                oldIndex.add(e.name());
            }
            if (!delete.isEmpty() || !repack.isEmpty() || !repo.damagedIndex().isEmpty() || orphans > 0) {
                repo.finishPack();
                Set<String> keep = new LinkedHashSet<>(repo.index().packIds());
                keep.removeAll(delete);
                keep.removeAll(repack);
                oldIndex.removeAll(repo.writeIndexOf(keep));
                for (String name : oldIndex) {
                    repo.store().delete(name);
                }
                for (String p : delete) {
                    repo.store().delete(Pack.name(p));
                }
                for (String p : repack) {
                    repo.store().delete(Pack.name(p));
                }
            }
            List<BlobStore.Entry> locks = repo.store().list("locks/");
            Set<String> lockNames = new HashSet<>();
            locks.forEach(e -> lockNames.add(e.name()));
            for (BlobStore.Entry e : locks) {
                if (e.name().endsWith(Lock.RELEASED)) {
                    if (!lockNames.contains(e.name().substring(0, e.name().length() - Lock.RELEASED.length()))) {
                        repo.store().delete(e.name());
                    }
                    continue;
                }
                Lock.Holder h = Lock.read(repo, e.name());
                if (h != null && h.stale(clock.instant(), host) || lockNames.contains(e.name() + Lock.RELEASED)) {
                    repo.store().delete(e.name());
                    repo.store().delete(e.name() + Lock.RELEASED);
                    staleLocks++;
                }
            }
            long after = repo.store().list("data/").stream().mapToLong(BlobStore.Entry::size).sum();
            retained.forEach((name, until) -> log.info("KEPT {}: under Object Lock until {}", name, until));
            return new Report(remove.stream().map(Snapshot::shortId).toList(), delete.size(), repack.size(), before, after, staleLocks,
                    retained);
        }
    }

    /** Whether the storage keeps the object unchangeable for now (S3 Object Lock); if so it is noted in {@code retained}. */
    private boolean retained(String name, Map<String, java.time.Instant> retained) throws IOException {
        Optional<java.time.Instant> until = repo.store().retainedUntil(name);
        if (until.isPresent() && until.get().isAfter(clock.instant())) {
            retained.put(name, until.get());
            return true;
        }
        return false;
    }

    private void collect(String treeId, Set<String> used) throws IOException, RepoException {
        if (!used.add(treeId)) {
            return;
        }
        JsonNode tree;
        try {
            tree = Trees.parse(repo.read(treeId), "tree " + treeId);
        } catch (RepoException e) {
            throw new RepoException("prune refuses to run: " + e.getMessage() + "; run `keepwatch check` and repair first");
        }
        for (JsonNode e : tree.path("entries")) {
            List<JsonNode> records = new ArrayList<>();
            if (e.has("live")) {
                records.add(e.get("live"));
            }
            e.path("versions").forEach(records::add);
            e.path("deletions").forEach(records::add);
            for (JsonNode r : records) {
                used.addAll(Trees.chunkList(r));
            }
            if (e.hasNonNull("tree")) {
                collect(e.get("tree").asText(), used);
            }
        }
    }
}
