package io.keepwatch.config;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The retention policy of a source: which old versions and deleted files are kept.
 *
 * @param keep the rules that keep old versions (a version is kept if any of them keeps it; the newest version of
 *     a path is always kept)
 * @param maxVersionAge versions archived longer ago than this are removed whatever keeps them (the newest version
 *     of a path is always kept); measured from the time the version was archived, never from the file's mtime
 * @param deletedKeep deleted files whose deletion is older than this are removed; empty keeps them forever
 * @param zone the time zone of the calendar rules (hourly ... yearly); empty: the zone of the clock (local)
 * @param versionsMaxBytes a cap on the bytes of this source's old versions (a source's own {@code retention})
 * @param deletedMaxBytes a cap on the bytes of this source's deleted files (a source's own {@code retention})
 */
public record RetentionConfig(KeepRules keep, Optional<Duration> maxVersionAge, Optional<Duration> deletedKeep,
        Optional<ZoneId> zone, OptionalLong versionsMaxBytes, OptionalLong deletedMaxBytes) {
    public static final int DEFAULT_MAX_VERSIONS = 10;

    /** The old form: {@code max_versions_per_file}, {@code max_version_age_days}, {@code deleted_keep_days}. */
    public RetentionConfig(int maxVersionsPerFile, Optional<Duration> maxVersionAge, Optional<Duration> deletedKeep) {
        this(KeepRules.lastOnly(maxVersionsPerFile), maxVersionAge, deletedKeep, Optional.empty(), OptionalLong.empty(),
                OptionalLong.empty());
    }

    public static RetentionConfig defaults() {
        return new RetentionConfig(DEFAULT_MAX_VERSIONS, Optional.empty(), Optional.empty());
    }

    /** The number of newest versions kept whatever their age ({@code keep_last}, the old {@code max_versions_per_file}). */
    public int maxVersionsPerFile() {
        return keep.last();
    }

    /** The time zone of the calendar rules: the configured one, else {@code local}. */
    public ZoneId zoneOr(ZoneId local) {
        return zone.orElse(local);
    }

    /**
     * The policy as one line, e.g. "keep_last 3, keep_daily 7; max_version_age_days 365; deleted_keep_days 90; zone
     * Europe/Berlin; versions_max_bytes 1000". Written out rather than a record's own toString: the metadata index keys
     * on it in the no-change pass, where a record method's first call costs a fresh JVM some 10 ms of bootstrap.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(keep.toString());
        maxVersionAge.ifPresent(d -> b.append("; max_version_age_days ").append(d.toDays()));
        deletedKeep.ifPresent(d -> b.append("; deleted_keep_days ").append(d.toDays()));
        zone.ifPresent(z -> b.append("; zone ").append(z.getId()));
        versionsMaxBytes.ifPresent(n -> b.append("; versions_max_bytes ").append(n));
        deletedMaxBytes.ifPresent(n -> b.append("; deleted_max_bytes ").append(n));
        return b.toString();
    }

    /** This policy without the caps of its own (a root policy handed down to a source names none). */
    public RetentionConfig withoutCaps() {
        return new RetentionConfig(keep, maxVersionAge, deletedKeep, zone, OptionalLong.empty(), OptionalLong.empty());
    }
}
