/**
 * Finding the files of a source from metadata alone. {@link io.keepwatch.scan.Scanner} walks a whole
 * source or just the paths a watch event names, never follows symbolic links, never opens FIFOs or
 * devices, prunes excluded paths and keepwatch's own folders, and tells which parts it could not read so
 * they are never taken as deleted. It logs nothing (what it passed over is in its result), so a scan can
 * start before logging is set up. A whole-source scan also sums the fingerprint of what it found
 * (the metadata index's, see {@link io.keepwatch.state.Fingerprint}) and hands its threads' shares over
 * unsorted and unmerged ({@link io.keepwatch.scan.MergedFiles} sorts and merges them on first use), each kept in columns,
 * not as a record per file ({@link io.keepwatch.scan.FileColumns}), each file's fingerprint hash kept beside it, so that
 * the scan can be cut into the metadata index's runs and fingerprinted run by run without hashing again
 * ({@link io.keepwatch.scan.RunCut}). It also probes whether a source
 * is there at all (missing root, unmounted disk).
 */
package io.keepwatch.scan;
