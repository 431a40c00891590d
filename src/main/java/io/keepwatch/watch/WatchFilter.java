package io.keepwatch.watch;

import io.keepwatch.config.ExcludeRules;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.state.BackupLayout;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which paths of a source are watched: everything under its root but keepwatch's own folders inside it
 * (the backup root with its {@code .keepwatch} folder, the log folder) and excluded paths. Used both to
 * prune the tree walk that registers watches and to filter events again (a recursive watch on Windows or
 * macOS covers everything, and an event can name a path inside a skipped folder).
 */
public final class WatchFilter {
    private final SourceConfig source;
    private final Path root;
    private final ExcludeRules rules;

    public WatchFilter(SourceConfig source, Path root, ExcludeRules rules) {
        this.source = source;
        this.root = root;
        this.rules = rules;
    }

    public Path root() {
        return root;
    }

    /** The relative path of a watched path; empty for the root itself, paths outside it, and skipped paths. */
    public Optional<String> relOf(Path path) {
        if (!path.startsWith(root) || path.equals(root)) {
            return Optional.empty();
        }
        String rel;
        try {
            rel = BackupLayout.relative(root, path);
        } catch (java.nio.file.InvalidPathException e) {
            // A name whose bytes cannot be read: look at its folder again, whose scan reports it as a failure.
            Path parent = path.getParent();
            return parent == null || parent.equals(root) ? Optional.of("") : relOf(parent);
        }
        return excludes(rel) ? Optional.empty() : Optional.of(rel);
    }

    /** Whether a relative path lies in keepwatch's own folders or is excluded by the {@code exclude} patterns. */
    public boolean excludes(String rel) {
        for (String own : source.internalExcludes()) {
            if (rel.equals(own) || rel.startsWith(own + "/")) {
                return true;
            }
        }
        return rules.excludesPath(rel);
    }

    /** Whether a folder (and its subtree) is to be left out of the watch set. */
    public boolean skipsFolder(Path dir) {
        if (dir.equals(root)) {
            return false;
        }
        return relOf(dir).isEmpty();
    }
}
