package io.keepwatch.config;

import io.keepwatch.hash.HashAlgorithm;
import java.nio.file.Path;
import java.util.List;

/**
 * A validated configuration. Every path is absolute and normalized; relative paths in config.json were
 * resolved against the folder holding the config file.
 *
 * @param excludedRoots folders never scanned or watched: the backup root and log folder wherever they lie
 *     inside a source
 */
public record Config(
        Path configFile,
        List<SourceConfig> sources,
        Path backupRoot,
        Path logDir,
        HashAlgorithm hashAlgorithm,
        RetentionConfig retention,
        List<String> exclude,
        WatchConfig watch) {

    public Config {
        sources = List.copyOf(sources);
        exclude = List.copyOf(exclude);
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
