package io.keepwatch.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock object ({@code locks/<random id>}, sealed JSON: host, pid, time, exclusive). A push holds a
 * shared lock, so pushes from several hosts run side by side; prune holds an exclusive one. Each side writes
 * its lock first and then looks at the others, so of two that start together at least one sees the other and
 * gives way. A lock is renewed (a new object, the old one deleted) every {@link #RENEW}; one not renewed for
 * {@link #STALE} belongs to a process that died and is ignored (and removed by prune); so is one of this host
 * whose process is gone. Staleness is judged by the time the holder wrote into its lock, so the hosts sharing a
 * repository need clocks within minutes of each other (NTP). On an append-only store a released lock is not
 * deleted but marked by an empty object {@code locks/<id>-released}; only someone who may write into the bucket
 * can write one, and they could as well write a lock that looks stale.
 */
public final class Lock implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Lock.class);
    public static final Duration STALE = Duration.ofMinutes(30);
    static final Duration RENEW = Duration.ofMinutes(5);
    /** The suffix of the marker that releases a lock in an append-only store. */
    static final String RELEASED = "-released";

    private final Repository repo;
    private final Clock clock;
    private final String host;
    private final boolean exclusive;
    private String name;
    private Instant written;

    private Lock(Repository repo, Clock clock, String host, boolean exclusive) {
        this.repo = repo;
        this.clock = clock;
        this.host = host;
        this.exclusive = exclusive;
    }

    /** Takes a lock, or a {@link RepoException} naming the holder of a conflicting one (nothing is left behind). */
    public static Lock take(Repository repo, Clock clock, String host, boolean exclusive) throws IOException, RepoException {
        Lock l = new Lock(repo, clock, host, exclusive);
        l.write();
        try {
            List<BlobStore.Entry> locks = repo.store().list("locks/");
            Set<String> names = locks.stream().map(BlobStore.Entry::name).collect(Collectors.toSet());
            for (BlobStore.Entry e : locks) {
                if (e.name().equals(l.name) || e.name().endsWith(RELEASED) || names.contains(e.name() + RELEASED)) {
                    continue;
                }
                Holder h = read(repo, e.name());
                if (h == null || h.stale(clock.instant(), host)) {
                    continue;
                }
                if (exclusive || h.exclusive) {
                    throw new RepoException("the repository " + repo.store().describe() + " is locked by "
                            + (h.exclusive ? "a prune" : "a push") + " on " + h.host + " (pid " + h.pid + ") since " + h.time
                            + "; try again when it is done (a lock not renewed for " + STALE.toMinutes() + " minutes is ignored)");
                }
            }
        } catch (IOException | RepoException | RuntimeException e) {
            l.close();
            throw e;
        }
        return l;
    }

    /** A lock's holder; null if the lock object is unreadable (ignored: a lock that does not decrypt cannot be ours). */
    record Holder(String host, long pid, Instant time, boolean exclusive) {
        /**
         * Not renewed for {@link #STALE}, or held by a process of {@code thisHost} that no longer runs (killed: its
         * lock need not block the next push or prune for half an hour).
         */
        boolean stale(Instant now, String thisHost) {
            return time.plus(STALE).isBefore(now)
                    || host.equals(thisHost) && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
        }
    }

    static Holder read(Repository repo, String name) {
        try {
            JsonNode n = Repository.JSON.readTree(repo.loadObject(name));
            return new Holder(n.path("host").asText(), n.path("pid").asLong(), Instant.parse(n.path("time").asText()),
                    n.path("exclusive").asBoolean());
        } catch (IOException | RepoException | RuntimeException e) {
            return null;
        }
    }

    private void write() throws IOException, RepoException {
        ObjectNode n = Repository.JSON.createObjectNode();
        written = clock.instant();
        n.put("host", host).put("pid", ProcessHandle.current().pid()).put("time", written.toString()).put("exclusive", exclusive);
        String old = name;
        name = repo.saveSealed("locks", Repository.JSON.writeValueAsBytes(n));
        if (old != null) {
            remove(old);
        }
    }

    /**
     * Deletes a lock object of ours. An append-only store deletes nothing: there a marker {@code <lock>-released}
     * is written beside it instead, and a lock with such a marker is ignored (prune removes both).
     */
    private void remove(String lockName) throws IOException {
        if (repo.store().appendOnly()) {
            if (!repo.store().putIfAbsent(lockName + RELEASED, new byte[0])) {
                log.debug("{}: lock {} was already marked released", repo.store().describe(), lockName);
            }
        } else {
            repo.store().delete(lockName);
        }
    }

    /** Writes a fresh lock object if the current one is older than {@link #RENEW}. */
    public void renewIfDue() throws IOException, RepoException {
        if (Duration.between(written, clock.instant()).compareTo(RENEW) >= 0) {
            write();
        }
    }

    /** Waits for the store's background writes (no pack of this push or prune lands after its lock is gone), then removes the lock. */
    @Override
    public void close() throws IOException {
        if (name != null) {
            try {
                repo.store().awaitPuts();
            } finally {
                remove(name);
                name = null;
            }
        }
    }
}
