package io.keepwatch.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.config.NotifyConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.Trigger;
import io.keepwatch.replicate.ReplicationStatus;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.DeletionRecord;
import io.keepwatch.state.FileRef;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.VersionRecord;
import io.keepwatch.testing.MutableClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's lag over {@code notify.replication_lag_minutes}: told once when it goes over, its end once, no storm,
 * with a pinned clock (a table of what the replicator shows at each look); through a real webhook; and the summary's
 * lines on the repository and the oldest version kept.
 */
class ReplicationAlertsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final String LAGGING = "replication LAGGING: the repository is more than 1 h behind";

    @TempDir
    Path tmp;

    private final NotifyConfig config = new NotifyConfig(Optional.empty(), Optional.empty(), Duration.ofMinutes(60), Duration.ofDays(30),
            NotifyConfig.Summary.DAILY, Duration.ofMinutes(10), Duration.ofMinutes(60));

    private static Instant at(int minutes) {
        return T0.plus(Duration.ofMinutes(minutes));
    }

    /** The replicator's status as it writes it to replication.json (and {@code status} reads it). */
    private ReplicationStatus status(String state, Integer inSyncMinute, String lastError, int failures) throws IOException {
        ObjectNode n = new ObjectMapper().createObjectNode().put("repository", "/mnt/usb/repo").put("state", state)
                .put("interval_seconds", 300).put("updated_at", T0.toString()).put("failures_in_a_row", failures);
        if (inSyncMinute != null) {
            n.put("in_sync_at", at(inSyncMinute).toString()).put("last_snapshot", "3f09a2c1");
        }
        if (lastError != null) {
            n.put("last_error", lastError);
        }
        Path f = tmp.resolve(ReplicationStatus.FILE);
        Files.writeString(f, n.toString());
        return ReplicationStatus.read(f);
    }

    private static ServiceView view(ReplicationStatus r, Optional<OldestKept> kept) {
        return new ServiceView() {
            @Override
            public Optional<ReplicationStatus> replication() {
                return Optional.of(r);
            }

            @Override
            public Optional<OldestKept> oldestKept() {
                return kept;
            }
        };
    }

    /** One look: minutes after T0, what the replicator shows, what is told. */
    record Row(int minute, String state, Integer inSync, String error, List<String> told) {
    }

    @Test
    void theLagIsToldOnceWhenItGoesOverAndItsEndOnceWithoutAStorm() throws Exception {
        NotifyConfig noSummary = new NotifyConfig(Optional.empty(), Optional.empty(), Duration.ofMinutes(60), Duration.ofDays(30),
                NotifyConfig.Summary.NONE, Duration.ofMinutes(10), Duration.ofMinutes(60));
        Alerts alerts = new Alerts(noSummary, Optional.of(T0), T0);
        List<Row> table = List.of(
                new Row(0, "waiting", null, null, List.of()),
                new Row(59, "pushing", null, null, List.of()), // the first push of a big backup
                new Row(61, "pushing", null, null, List.of(LAGGING)), // behind since the watch began
                new Row(62, "pushing", null, null, List.of()), // no storm
                new Row(70, "in sync", 1, null, List.of("replication caught up")),
                new Row(80, "pending", 1, null, List.of()), // changes since the look at 70 that found it in sync
                new Row(125, "failing", 1, "connection refused", List.of()), // 55 min behind the look at 70
                new Row(131, "failing", 1, "connection refused", List.of(LAGGING)), // 61 min; the last message 61 min ago
                new Row(200, "remote unavailable", 1, "connection refused", List.of()),
                new Row(400, "failing", 1, "connection refused", List.of()),
                new Row(410, "pending", 405, null, List.of("replication caught up")), // a push that began at 405 succeeded
                new Row(466, "failing", 405, "disk full", List.of()), // 61 min behind, but within quiet_minutes of 410
                new Row(470, "failing", 405, "disk full", List.of(LAGGING + " (1 time(s))")), // the digest, when quiet ends
                new Row(480, "failing", 405, "disk full", List.of()),
                new Row(500, "in sync", 495, null, List.of("replication caught up")));
        for (Row row : table) {
            List<Message> told = alerts.tick(at(row.minute()), view(status(row.state(), row.inSync(), row.error(),
                    row.error() == null ? 0 : 3), Optional.empty()));
            assertEquals(row.told(), told.stream().map(Message::title).toList(), "at minute " + row.minute() + ": " + row);
            told.forEach(m -> assertEquals(Message.Kind.REPLICATION, m.kind()));
            if (row.minute() == 131) {
                assertEquals(List.of("The repository /mnt/usb/repo holds the backup as it was at " + at(70) + " (1 h ago): more than "
                        + "notify.replication_lag_minutes (60) behind.", "The replicator is failing; its last error (3 failed attempt(s) "
                        + "in a row): connection refused", "Local backups go on. `keepwatch status` shows the replication."),
                        told.get(0).lines());
            }
        }
    }

    @Test
    void aRestartedServiceDoesNotCallTheLagOverWithoutAPushThatSucceeded() throws Exception {
        Alerts before = new Alerts(config, Optional.of(T0), T0);
        assertEquals(List.of(LAGGING), before.tick(at(90), view(status("failing", null, "no route to host", 2), Optional.empty()))
                .stream().map(Message::title).toList());
        Path memory = tmp.resolve(AlertMemory.FILE_NAME);
        AlertMemory.save(memory, before);
        Alerts after = new Alerts(config, Optional.of(T0), at(100)); // the service started again at minute 100
        AlertMemory.restore(memory, after);
        assertEquals(List.of(), after.tick(at(101), view(status("waiting", null, null, 0), Optional.empty())),
                "no push yet: neither told again nor over");
        assertEquals(List.of("replication caught up"), after.tick(at(110), view(status("in sync", 105, null, 0), Optional.empty()))
                .stream().map(Message::title).toList());
    }

    @Test
    void overAWebhookWithItsKind() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        try {
            MutableClock clock = new MutableClock(T0);
            Notifier n = new Notifier(new Alerts(config, Optional.of(T0), T0), List.of(new WebhookChannel(
                    URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"), Optional.empty())), clock, "nas",
                    new LogTail(tmp.resolve("keepwatch.log")));
            ReplicationStatus[] now = {status("failing", null, "connection refused", 1)};
            n.watch(new ServiceView() {
                @Override
                public Optional<ReplicationStatus> replication() {
                    return Optional.of(now[0]);
                }

                @Override
                public Optional<OldestKept> oldestKept() {
                    return Optional.empty();
                }
            });
            clock.set(at(30));
            n.tick();
            assertEquals(0, bodies.size());
            clock.set(at(61));
            n.tick();
            clock.set(at(90));
            n.tick();
            assertEquals(1, bodies.size(), "told once");
            JsonNode first = new ObjectMapper().readTree(bodies.get(0));
            assertEquals("REPLICATION", first.get("kind").asText());
            assertEquals("PROBLEM", first.get("type").asText());
            assertEquals("keepwatch on nas: " + LAGGING, first.get("subject").asText());
            assertTrue(first.get("text").asText().contains("its last error (1 failed attempt(s) in a row): connection refused"),
                    first.get("text").asText());
            now[0] = status("in sync", 95, null, 0);
            clock.set(at(100));
            n.tick();
            assertEquals(2, bodies.size());
            JsonNode back = new ObjectMapper().readTree(bodies.get(1));
            assertEquals("RECOVERY", back.get("type").asText());
            assertEquals("keepwatch on nas: replication caught up", back.get("subject").asText());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theSummaryHasTheRepositorysLagAndTheOldestVersionKept() throws Exception {
        BackupState state = new BackupState("sha256");
        state.putHistory(new FileRef("docs", "a.txt"), new PathHistory(2, List.of(
                new VersionRecord(1, "h1", 10, 0, "", T0.minus(Duration.ofDays(70)), T0.minus(Duration.ofDays(65))),
                new VersionRecord(2, "h2", 10, 0, "", T0.minus(Duration.ofDays(65)), T0.minus(Duration.ofDays(3)))), List.of()));
        state.putHistory(new FileRef("photos", "cat.jpg"), new PathHistory(1, List.of(
                new VersionRecord(1, "h3", 10, 0, "", T0.minus(Duration.ofDays(90)), T0.minus(Duration.ofDays(80)))),
                List.of(new DeletionRecord("cat.jpg@1", "h4", 10, 0, "", T0.minus(Duration.ofDays(20)), T0.minus(Duration.ofDays(12))))));
        OldestKept kept = OldestKept.of(state);
        assertEquals(new OldestKept.Item("photos/cat.jpg v1", T0.minus(Duration.ofDays(80))), kept.version().orElseThrow());
        assertEquals(new OldestKept.Item("photos/cat.jpg", T0.minus(Duration.ofDays(12))), kept.deleted().orElseThrow());

        Alerts alerts = new Alerts(config, Optional.of(T0), T0);
        alerts.on(new EngineEvent.PassStarted(at(1), Trigger.FULL_PASS, List.of("docs")));
        alerts.on(new EngineEvent.PassFinished(at(2), Trigger.FULL_PASS, List.of("docs"), at(1), new Counts(3, 1, 0, 0, 10, 0, 0, 2048),
                List.of(), Outcome.OK, Optional.empty()));
        Instant midnight = Instant.parse("2026-03-02T00:00:30Z");
        ServiceView service = view(status("pending", 13 * 60 + 30, null, 0), Optional.of(kept));
        List<Message> out = alerts.tick(midnight, service);
        assertEquals(List.of("daily summary: 1 pass(es), 0 with problems"), out.stream().map(Message::title).toList());
        assertEquals(List.of(
                "From 2026-03-01T10:00:00Z to 2026-03-02T00:00:00Z:",
                "  1 pass(es) and batches, 0 of them FAILED or PARTIAL",
                "  " + new Counts(3, 1, 0, 0, 10, 0, 0, 2048).summary() + ", 0 pruned, 2048 bytes copied",
                "Last successful backup: 2026-03-01T10:02:00Z",
                "Repository /mnt/usb/repo: pending, behind by 30 min (it holds the backup as it was at 2026-03-01T23:30:00Z); "
                        + "last snapshot 3f09a2c1",
                "Oldest version kept: photos/cat.jpg v1, archived 2025-12-11T10:00:00Z (80 days ago)",
                "Oldest deleted file kept: photos/cat.jpg, deleted 2026-02-17T10:00:00Z (12 days ago)",
                "Open problems: none"), out.get(0).lines());

        Alerts noReplication = new Alerts(config, Optional.of(T0), T0);
        List<String> lines = noReplication.tick(midnight, ServiceView.NONE).get(0).lines();
        assertTrue(lines.contains("Repository: not replicated by this service"), lines.toString());
        assertTrue(lines.contains("Oldest version kept: not known now"), lines.toString());
    }
}
