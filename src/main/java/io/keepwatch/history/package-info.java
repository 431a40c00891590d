/**
 * The run history: an embedded SQLite database, {@code <backup_root>/.keepwatch/history.db}, written by an engine-events
 * listener ({@link io.keepwatch.history.HistoryRecorder}, on a thread of its own) and read by {@code keepwatch
 * history}. It holds each pass (the service's batches coalesced per source and minute), each failure with its path and
 * typed reason, and each change of a source's state, for {@code history.keep_days}. Its schema is versioned
 * ({@code PRAGMA user_version}) and migrated at open; the database runs in WAL mode so that it can be read while the
 * service writes. A database that cannot be written never stops a backup: the problem is logged and shown in the
 * status, and a corrupt file is moved aside and made anew.
 */
package io.keepwatch.history;
