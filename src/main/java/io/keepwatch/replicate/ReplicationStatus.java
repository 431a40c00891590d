package io.keepwatch.replicate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;

/**
 * What the replicator is doing, as written to {@code .keepwatch/replication.json} (replaced whole each time) and
 * read by {@code keepwatch status}.
 *
 * @param repository where it pushes (a folder or URL, never a credential)
 * @param state {@code waiting} (for the first pass), {@code pushing}, {@code in sync}, {@code pending} (changes wait
 *     for the interval), {@code remote unavailable} (the store cannot be reached: network, DNS, 5xx or throttling
 *     beyond the store's retries; retried at {@code nextTryAt}), or {@code failing} (the last push failed for another
 *     reason; retried at {@code nextTryAt})
 * @param inSyncAt the repository holds the backup as it was then: the start of the last push that succeeded, or the
 *     last look that found nothing new to push
 * @param lastSnapshot the short id of the snapshot that push wrote, or of the unchanged one it found
 * @param pendingChanges files backed up, updated, archived or pruned since the last successful push began
 * @param pendingBytes the bytes of new content among them (at most what the next push uploads)
 * @param unavailableSince while the state is {@code remote unavailable}: when the first push failed so (the reason
 *     is {@code lastError})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ReplicationStatus(
        @JsonProperty("repository") String repository,
        @JsonProperty("state") String state,
        @JsonProperty("interval_seconds") long intervalSeconds,
        @JsonProperty("updated_at") Instant updatedAt,
        @JsonProperty("in_sync_at") Instant inSyncAt,
        @JsonProperty("last_snapshot") String lastSnapshot,
        @JsonProperty("last_push_at") Instant lastPushAt,
        @JsonProperty("last_push_bytes_added") long lastPushBytesAdded,
        @JsonProperty("last_push_problems") int lastPushProblems,
        @JsonProperty("pending_changes") long pendingChanges,
        @JsonProperty("pending_bytes") long pendingBytes,
        @JsonProperty("failures_in_a_row") int failuresInARow,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("last_error_at") Instant lastErrorAt,
        @JsonProperty("next_try_at") Instant nextTryAt,
        @JsonProperty("unavailable_since") Instant unavailableSince) {

    public static final String WAITING = "waiting";
    public static final String PUSHING = "pushing";
    public static final String IN_SYNC = "in sync";
    public static final String PENDING = "pending";
    public static final String FAILING = "failing";
    public static final String REMOTE_UNAVAILABLE = "remote unavailable";

    public static final String FILE = "replication.json";
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static Path file(BackupLayout layout) {
        return layout.privateDir().resolve(FILE);
    }

    /** Whether the store could not be reached at the last try (a state of its own: it passes by itself). */
    public boolean remoteUnavailable() {
        return REMOTE_UNAVAILABLE.equals(state);
    }

    /** Whether the last push failed, for any reason (the remote unavailable included); it is retried. */
    public boolean failing() {
        return FAILING.equals(state) || remoteUnavailable();
    }

    /** How old the backup state the repository holds is at {@code now}; empty before the first push succeeded. */
    public java.util.Optional<Duration> lag(Instant now) {
        return inSyncAt == null ? java.util.Optional.empty() : java.util.Optional.of(Duration.between(inSyncAt, now));
    }

    /**
     * The replicator's last status in {@code layout}'s backup root, if the service replicates; a file that cannot be
     * read (being replaced, damaged) is shown as missing, never as an error of the reader ({@code status}, the page).
     */
    public static java.util.Optional<ReplicationStatus> find(BackupLayout layout) {
        Path f = file(layout);
        if (!Files.isRegularFile(f)) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(read(f));
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    public static ReplicationStatus read(Path file) throws IOException {
        return JSON.readValue(Files.readAllBytes(file), ReplicationStatus.class);
    }

    void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        io.keepwatch.fs.Modes.writePrivate(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
