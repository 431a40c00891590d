/**
 * The always-on service behind {@code keepwatch run}: the {@link io.keepwatch.daemon.Daemon} owns the one
 * engine thread. It registers the watches, runs a full reconciliation pass, then takes debounced paths from
 * the watch queue and backs them up in per-source batches planned for those paths only, asks the engine to
 * commit the state when its commit policy says it is due (and commits on stop), runs full passes on rescan signals and every
 * {@code watch.rescan_interval_minutes}, marks a source UNAVAILABLE when its folder goes away and resumes it
 * when it is back, and falls back to periodic full passes where the OS refuses more watches. What it is
 * doing is published in {@code .keepwatch/status.json} ({@link io.keepwatch.daemon.StatusFile}), written
 * atomically by a heartbeat ({@link io.keepwatch.daemon.StatusPublisher}) so a reader can tell a live service from a
 * stopped or hung one. What happens to a source on each thing observed is the pure
 * {@link io.keepwatch.daemon.SourceMachine}'s rule; the loop waits through a {@link io.keepwatch.daemon.Ticker}.
 */
package io.keepwatch.daemon;
