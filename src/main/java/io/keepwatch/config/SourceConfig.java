package io.keepwatch.config;

import java.nio.file.Path;
import java.util.Set;

/**
 * One watched folder.
 *
 * @param name its folder name in the backup root
 * @param path its absolute, normalized path
 * @param internalExcludes folders inside it that belong to keepwatch (the backup root, the log folder),
 *     relative to {@code path}; never scanned or watched
 * @param guard its deletion guard: how many deletions a pass may make, its marker file
 */
public record SourceConfig(String name, Path path, Set<String> internalExcludes, GuardConfig guard) {
    public SourceConfig {
        internalExcludes = Set.copyOf(internalExcludes);
    }

    public SourceConfig(String name, Path path, Set<String> internalExcludes) {
        this(name, path, internalExcludes, GuardConfig.DEFAULTS);
    }

    public SourceConfig(String name, Path path) {
        this(name, path, Set.of());
    }
}
