package io.keepwatch.config;

import io.keepwatch.hash.HashAlgorithm;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated configuration. Every path is absolute and normalized; relative paths in config.json were
 * resolved against the folder holding the config file.
 *
 * @param retention the retention policy of every source without one of its own
 * @param retentionOverrides the policies of sources that have their own {@code retention}, by source name
 * @param rootCaps size limits of the whole backup root
 * @param schedules the jobs the service runs on a schedule
 * @param http where {@code run} serves its status page; empty when {@code "http": null} turns it off
 */
public record Config(
        Path configFile,
        List<SourceConfig> sources,
        Path backupRoot,
        Path logDir,
        HashAlgorithm hashAlgorithm,
        RetentionConfig retention,
        List<String> exclude,
        WatchConfig watch,
        Map<String, RetentionConfig> retentionOverrides,
        RootCaps rootCaps,
        HistoryConfig history,
        NotifyConfig notifications,
        ScheduleConfig schedules,
        Optional<HttpConfig> http) {

    public Config {
        sources = List.copyOf(sources);
        exclude = List.copyOf(exclude);
        retentionOverrides = Map.copyOf(retentionOverrides);
    }

    /** A configuration whose sources all follow {@code retention}, with no size limits on the root. */
    public Config(Path configFile, List<SourceConfig> sources, Path backupRoot, Path logDir, HashAlgorithm hashAlgorithm,
            RetentionConfig retention, List<String> exclude, WatchConfig watch) {
        this(configFile, sources, backupRoot, logDir, hashAlgorithm, retention, exclude, watch, Map.of(), RootCaps.NONE);
    }

    /** The retention policy of one source: its own, else the top-level one. */
    public RetentionConfig retention(String source) {
        return retentionOverrides.getOrDefault(source, retention);
    }

    /** A configuration without schedules, with the default status page. */
    public Config(Path configFile, List<SourceConfig> sources, Path backupRoot, Path logDir, HashAlgorithm hashAlgorithm,
            RetentionConfig retention, List<String> exclude, WatchConfig watch, Map<String, RetentionConfig> retentionOverrides,
            RootCaps rootCaps, HistoryConfig history, NotifyConfig notifications) {
        this(configFile, sources, backupRoot, logDir, hashAlgorithm, retention, exclude, watch, retentionOverrides, rootCaps,
                history, notifications, ScheduleConfig.none());
    }

    /** A configuration whose later sections ({@code history}, {@code notify}, {@code schedules}) are their defaults. */
    public Config(Path configFile, List<SourceConfig> sources, Path backupRoot, Path logDir, HashAlgorithm hashAlgorithm,
            RetentionConfig retention, List<String> exclude, WatchConfig watch, Map<String, RetentionConfig> retentionOverrides,
            RootCaps rootCaps) {
        this(configFile, sources, backupRoot, logDir, hashAlgorithm, retention, exclude, watch, retentionOverrides, rootCaps,
                HistoryConfig.defaults(), NotifyConfig.defaults());
    }

    /** A configuration with the default status page ({@code http} absent from the file). */
    public Config(Path configFile, List<SourceConfig> sources, Path backupRoot, Path logDir, HashAlgorithm hashAlgorithm,
            RetentionConfig retention, List<String> exclude, WatchConfig watch, Map<String, RetentionConfig> retentionOverrides,
            RootCaps rootCaps, HistoryConfig history, NotifyConfig notifications, ScheduleConfig schedules) {
        this(configFile, sources, backupRoot, logDir, hashAlgorithm, retention, exclude, watch, retentionOverrides, rootCaps,
                history, notifications, schedules, Optional.of(HttpConfig.defaults()));
    }

    /** Folders that are never part of any source: the backup root and the log folder. */
    public List<Path> excludedRoots() {
        return List.of(backupRoot, logDir);
    }

    public SourceConfig source(String name) {
        return sources.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no source named '" + name + "' in " + configFile
                        + " (sources: " + sources.stream().map(SourceConfig::name).toList() + ")"));
    }
}
