package io.keepwatch.config;

import java.util.Optional;

/**
 * The deletion guard of one source (config key {@code deletion_guard}, at the top and per source).
 *
 * @param maxDeletePercent a pass that would archive-delete more than this share of the source's tracked files
 *     holds those deletions (100: never by share)
 * @param maxDeleteMinFiles ... but only when that is at least this many files
 * @param markerFile a file (or folder) that must exist at the top of the source, and of each mount point inside
 *     it that had it when first seen, for it to count as there (as Syncthing's {@code .stfolder}); empty: none
 */
public record GuardConfig(int maxDeletePercent, int maxDeleteMinFiles, Optional<String> markerFile) {
    public static final int DEFAULT_MAX_DELETE_PERCENT = 50;
    public static final int DEFAULT_MAX_DELETE_MIN_FILES = 1000;
    public static final GuardConfig DEFAULTS = new GuardConfig(DEFAULT_MAX_DELETE_PERCENT, DEFAULT_MAX_DELETE_MIN_FILES,
            Optional.empty());
}
