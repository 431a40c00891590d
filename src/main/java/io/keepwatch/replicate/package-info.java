/**
 * Continuous replication of the backup into the repository while the service runs: a {@link
 * io.keepwatch.replicate.Replicator} listens to the engine's events (cheaply, on the engine thread: it counts what
 * changed and wakes its own thread), and pushes on a background thread, at most once per interval, whenever
 * state.json on disk has changed since the last push. It knows the repository only as a {@link
 * io.keepwatch.replicate.Replicator.Target} (the CLI's is a push into any {@link io.keepwatch.repo.BlobStore}),
 * never delays a local backup, and treats a failing store as an error to report (log, status) and retry with
 * backoff, never as a reason to stop. Its state is written to {@code .keepwatch/replication.json}, which
 * {@code keepwatch status} shows.
 */
package io.keepwatch.replicate;
