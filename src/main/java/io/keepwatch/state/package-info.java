/**
 * What the backup holds, and where. Owns the in-memory {@link io.keepwatch.state.BackupState} (live files,
 * versions, deletions, with their times), state.json's format and its durable save
 * ({@link io.keepwatch.state.StateStore}), the change log of what changed since and its consumers' cursors
 * ({@link io.keepwatch.state.ChangeLog}, {@link io.keepwatch.state.StateChanges}, {@link io.keepwatch.state.ChangeCursors}), the metadata index saved beside it that lets a no-change pass skip
 * parsing it ({@link io.keepwatch.state.MetadataIndex}), and a pass that changed a few files parse only the runs of
 * records that hold them ({@link io.keepwatch.state.FileRuns}, {@link io.keepwatch.state.StateOffsets}), and the backup root's layout
 * ({@link io.keepwatch.state.BackupLayout}), the one place that turns a file reference into a path.
 */
package io.keepwatch.state;
