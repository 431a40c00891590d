package io.keepwatch.config;

import java.time.Duration;
import java.util.Optional;

/**
 * How long old versions and deleted files are kept.
 *
 * @param maxVersionsPerFile newest versions kept per path
 * @param maxVersionAge versions archived longer ago than this are removed (the newest version of a path is
 *     always kept); measured from the time the version was archived, never from the file's mtime
 * @param deletedKeep deleted files whose deletion is older than this are removed; empty keeps them forever
 */
public record RetentionConfig(int maxVersionsPerFile, Optional<Duration> maxVersionAge, Optional<Duration> deletedKeep) {
    public static final int DEFAULT_MAX_VERSIONS = 10;

    public static RetentionConfig defaults() {
        return new RetentionConfig(DEFAULT_MAX_VERSIONS, Optional.empty(), Optional.empty());
    }
}
