/**
 * The decision per file: new, modified, duplicate, unchanged or deleted. {@link io.keepwatch.plan.Planner}
 * is a pure function from what was observed on disk and the state to a list of
 * {@link io.keepwatch.plan.Action}s (records of one sealed interface), which the executor performs and
 * the journal records. No I/O and no clock here.
 */
package io.keepwatch.plan;
