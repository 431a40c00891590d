/**
 * Reading and validating config.json. Owns the file format (snake_case keys, defaults, relative paths
 * resolved against the config file's folder), the one-line error messages with exit code 78 (unknown keys
 * with a near-miss suggestion, wrong types, numbers outside the range {@link io.keepwatch.config.ConfigKeys} gives
 * them, a backup root or log folder that is a file, overlapping sources, a source inside the backup root), and the
 * exclude glob syntax. Produces an immutable {@link io.keepwatch.config.Config}; nothing here writes.
 */
package io.keepwatch.config;
