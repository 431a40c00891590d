package io.keepwatch.notify;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A message about one problem (or its recovery, or a digest of its repeats, or a summary), before it is rendered for a
 * channel.
 *
 * @param kind what the problem is about
 * @param source the source it concerns; empty for the whole service
 * @param type a new problem, repeats of one, its recovery, or information (a summary, a test)
 * @param title the subject after {@code keepwatch on HOST: }, e.g. {@code backup FAILED for source docs}
 * @param lines the body, one line each
 */
public record Message(Kind kind, Optional<String> source, Type type, String title, List<String> lines, Instant at) {
    public Message {
        lines = List.copyOf(lines);
    }

    public enum Kind {
        /** A pass or batch that failed or was partial. */
        BACKUP,
        /** A source UNAVAILABLE for longer than {@code notify.unavailable_minutes}. */
        UNAVAILABLE,
        /** The deletion guard held deletions. */
        HELD,
        /** Retention held (a changed policy waits for {@code --accept-retention}) or a size limit it could not meet. */
        RETENTION,
        /** A job (scheduled, or a command run by hand) that could not run, found damage or could not do everything. */
        JOB,
        /** The repository the service replicates into is behind by more than {@code notify.replication_lag_minutes}. */
        REPLICATION,
        /** No successful pass for {@code notify.no_success_hours}. */
        NO_SUCCESS,
        /** The service stopped without saying so (seen at its next start). */
        STOPPED,
        /** The daily or weekly summary. */
        SUMMARY,
        /** {@code keepwatch notify --test}. */
        TEST
    }

    public enum Type {
        PROBLEM, REPEAT, RECOVERY, INFO
    }
}
