/**
 * The backup engine: one object per backup root that ties scan, hash, plan, execute, retention and state
 * together into passes (a whole source, or the paths a watch event names; a whole pass copies one chunk while
 * the previous one is executed, and {@code once} ends early when the metadata index shows nothing changed),
 * holds the backup root's lock,
 * recovers an interrupted batch at start, makes the state durable by a commit policy ({@link
 * io.keepwatch.engine.StateCommitter}: change log entries, state.json written whole now and then), and rebuilds a
 * lost state. The CLI's {@code once} and the
 * service both drive it; it reports progress through {@link io.keepwatch.engine.Progress} and never prints.
 */
package io.keepwatch.engine;
