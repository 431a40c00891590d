package io.keepwatch.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot object ({@code snapshots/<random id>}, sealed JSON): when and on which host it was pushed, the
 * backup's hash algorithm, and per source its name, its folder on that host and its root tree. Written last
 * by a push, after every pack, index and tree it refers to, so a snapshot in the repository is complete.
 * {@code statePosition} is the position of the local state it was made from ({@code StateStore.position()}, ""
 * when unknown): a later push from the same position has nothing to add (see {@link Pusher}).
 */
public record Snapshot(String name, Instant time, String host, String hashAlgorithm, List<Source> sources, int problems,
        String statePosition) {
    /** One source of a snapshot. */
    public record Source(String name, String path, String tree) {
    }

    public Snapshot {
        sources = List.copyOf(sources);
    }

    /** The short id printed to users: the first 8 hex digits of the object's id. */
    public String shortId() {
        return name.substring("snapshots/".length(), "snapshots/".length() + 8);
    }

    public Map<String, String> roots() {
        Map<String, String> m = new LinkedHashMap<>();
        sources.forEach(s -> m.put(s.name(), s.tree()));
        return m;
    }

    byte[] encode() throws IOException {
        ObjectNode n = Repository.JSON.createObjectNode();
        n.put("keepwatch_snapshot", 1);
        n.put("time", time.toString());
        n.put("host", host);
        n.put("hash_algorithm", hashAlgorithm);
        ArrayNode a = n.putArray("sources");
        for (Source s : sources) {
            a.addObject().put("name", s.name()).put("path", s.path()).put("tree", s.tree());
        }
        n.put("problems", problems);
        if (!statePosition.isEmpty()) {
            n.put("state", statePosition);
        }
        return Repository.JSON.writeValueAsBytes(n);
    }

    static Snapshot decode(String name, byte[] plain) throws RepoException {
        try {
            JsonNode n = Repository.JSON.readTree(plain);
            if (n == null || n.path("keepwatch_snapshot").asInt() != 1) {
                throw new RepoException(name + " is damaged: not a keepwatch snapshot");
            }
            List<Source> sources = new ArrayList<>();
            for (JsonNode s : n.path("sources")) {
                String tree = s.path("tree").asText();
                Hex.parse(tree, 32, name + " tree");
                sources.add(new Source(s.path("name").asText(), s.path("path").asText(), tree));
            }
            return new Snapshot(name, Instant.parse(n.path("time").asText()), n.path("host").asText(),
                    n.path("hash_algorithm").asText(), sources, n.path("problems").asInt(),
                    n.path("state").isTextual() ? n.path("state").asText() : "");
        } catch (IOException | java.time.DateTimeException e) {
            throw new RepoException(name + " is damaged: " + e.getMessage());
        }
    }

    /** Every snapshot, oldest first. A damaged one is a {@link RepoException} naming it. */
    public static List<Snapshot> all(Repository repo) throws IOException, RepoException {
        List<Snapshot> out = new ArrayList<>();
        for (BlobStore.Entry e : repo.store().list("snapshots/")) {
            out.add(decode(e.name(), repo.loadObject(e.name())));
        }
        out.sort(Comparator.comparing(Snapshot::time).thenComparing(Snapshot::name));
        return out;
    }

    /**
     * The snapshot to restore from: the one whose id starts with {@code id} if given; else the newest of
     * {@code host} if given; else the newest of this host if it pushed any; else the newest if one host
     * pushed them all; else an error listing the hosts.
     */
    public static Snapshot choose(List<Snapshot> all, Optional<String> id, Optional<String> host, String thisHost)
            throws RepoException {
        if (all.isEmpty()) {
            throw new RepoException("the repository holds no snapshot yet (`keepwatch push` makes one)");
        }
        if (id.isPresent()) {
            List<Snapshot> m = all.stream().filter(s -> s.name().startsWith("snapshots/" + id.get())).toList();
            if (m.size() != 1) {
                throw new RepoException(m.isEmpty() ? "no snapshot " + id.get() : "snapshot id " + id.get() + " is ambiguous");
            }
            return m.get(0);
        }
        String h = host.orElse(null);
        if (h == null) {
            List<String> hosts = all.stream().map(Snapshot::host).distinct().toList();
            if (hosts.contains(thisHost)) {
                h = thisHost;
            } else if (hosts.size() == 1) {
                h = hosts.get(0);
            } else {
                throw new RepoException("the repository holds snapshots of several hosts " + hosts + "; choose one with --host");
            }
        }
        String hh = h;
        return all.stream().filter(s -> s.host().equals(hh)).reduce((a, b) -> b)
                .orElseThrow(() -> new RepoException("no snapshot of host " + hh));
    }
}
