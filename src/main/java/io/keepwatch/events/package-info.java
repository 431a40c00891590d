/**
 * What the engine and the service report as they work, for whoever listens: {@link io.keepwatch.events.EngineEvent}
 * is a sealed set of immutable records (a file backed up, updated, kept as a duplicate, archived as deleted, a
 * version archived or pruned, a failure with its path and a typed {@link io.keepwatch.events.FailureReason},
 * deletions held, what retention decided, a source's state changed, the service found it had stopped unexpectedly,
 * a pass started and finished with its {@link io.keepwatch.events.Counts}).
 * Listeners ({@link io.keepwatch.events.EngineListener}) are passed in to the engine and the service, never found
 * through a static; {@link io.keepwatch.events.Listeners} isolates them from the engine (one that throws is logged
 * once and never breaks a backup) and {@link io.keepwatch.events.QueuedListener} moves slow work (history,
 * notifications) off the engine thread. This package depends on nothing else of keepwatch but the exception types
 * it classifies.
 */
package io.keepwatch.events;
