/**
 * The backup engine: one {@link io.keepwatch.engine.Engine} per backup root that ties scan, hash, plan, execute,
 * retention and state together into passes (a whole source, or the paths a watch event names). Its parts each do one
 * job and are put together in {@code Engine.open}: the backup root's lifecycle (lock, load, recovery:
 * {@link io.keepwatch.engine.RootSession}), the pass over a source ({@link io.keepwatch.engine.SourcePass}) with its
 * pure scan matcher and chunker, the copy pipeline that owns the copy and sync pools, the batch runner, the state
 * committer (change log entries, state.json written whole now and then, by a {@link io.keepwatch.engine.CommitPolicy}),
 * retention, and {@code once} with its no-change fast path. Also rebuilds a lost state. The CLI's {@code once} and the
 * service both drive it; it reports progress through {@link io.keepwatch.engine.Progress} and never prints.
 */
package io.keepwatch.engine;
