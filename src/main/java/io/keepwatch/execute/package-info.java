/**
 * Performing decisions on the backup root. {@link io.keepwatch.execute.Executor} journals a batch, moves
 * staged copies, old versions, deleted files and duplicates into place without ever overwriting, fsyncs
 * the folders it changed, and applies what succeeded to the state; {@link io.keepwatch.execute.Journal}
 * and {@link io.keepwatch.execute.Recovery} make a crash at any instant recoverable.
 * {@link io.keepwatch.execute.StagingArea} says where copies wait to be moved into place (beside their
 * destination) and removes what a crash left of them.
 */
package io.keepwatch.execute;
