/**
 * Getting files back and proving the backup intact, from the backup root alone and without its lock, so
 * it runs beside a working service. {@link io.keepwatch.restore.Timeline} lists every content a path has
 * had that the backup holds (current copy, versions, deleted copies) with the span of time each was the
 * path's content; {@link io.keepwatch.restore.Selection} picks, as a pure function of the state, what a
 * restore writes (the latest state, the state at an instant, or one version); {@link io.keepwatch.restore.Restorer}
 * writes it through temp files into a destination it never leaves, checking every hash; and
 * {@link io.keepwatch.restore.Verifier} re-hashes everything state.json says the backup holds and finds
 * what is missing, corrupted or unexpected. Paths read from state.json are checked name by name before use.
 */
package io.keepwatch.restore;
