package io.keepwatch.state;

import io.keepwatch.fs.FileNames;
import io.keepwatch.fs.RelPath;
import io.keepwatch.fs.UnsafePathException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Where everything lies in the backup root. The one place that turns a {@link FileRef} into a path:
 * <pre>
 *   state.json
 *   &lt;source&gt;/&lt;rel&gt;                        current copy
 *   versions/&lt;source&gt;/&lt;rel&gt;/v&lt;N&gt;.bak       old versions
 *   _deleted/&lt;source&gt;/&lt;stored&gt;             deleted files
 *   _duplicates/&lt;source&gt;/&lt;rel&gt;            duplicates
 *   .keepwatch/                            private: tmp/, journal/, lock, status.json, index
 * </pre>
 */
public final class BackupLayout {
    public static final String STATE_FILE = "state.json";
    public static final String VERSIONS = "versions";
    public static final String DELETED = "_deleted";
    public static final String DUPLICATES = "_duplicates";
    public static final String PRIVATE = ".keepwatch";

    private final Path root;

    public BackupLayout(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path stateFile() {
        return root.resolve(STATE_FILE);
    }

    public Path privateDir() {
        return root.resolve(PRIVATE);
    }

    /**
     * The lists of folders holding staged copies, and the copies that cannot be staged beside their destination
     * ({@code io.keepwatch.execute.StagingArea}); emptied at start.
     */
    public Path tmpDir() {
        return privateDir().resolve("tmp");
    }

    /** A staged copy, by its name relative to the root ({@code /}-separated, as {@code StagingArea} makes them). */
    public Path staged(String name) {
        return resolve(root, name);
    }

    /** The state's change log (see {@link ChangeLog}). */
    public Path changesDir() {
        return privateDir().resolve("changes");
    }

    public Path journalDir() {
        return privateDir().resolve("journal");
    }

    public Path lockFile() {
        return privateDir().resolve("lock");
    }

    /** The metadata index written beside each save of state.json (see {@code MetadataIndex}). */
    public Path indexFile() {
        return privateDir().resolve("index");
    }

    /** The retention policy last applied (see {@code --accept-retention}). */
    public Path acceptedPolicyFile() {
        return privateDir().resolve("retention-policy");
    }

    public Path statusFile() {
        return privateDir().resolve("status.json");
    }

    public Path sourceMirror(String source) {
        return top(null, source);
    }

    public Path current(FileRef ref) {
        return resolve(top(null, ref.source()), ref.rel());
    }

    public Path duplicate(FileRef ref) {
        return resolve(top(DUPLICATES, ref.source()), ref.rel());
    }

    /** Where the current copy of a live file is: the mirror, or {@code _duplicates/} for a duplicate. */
    public Path copyOf(FileRef ref, LiveFile live) {
        return live.isDuplicate() ? duplicate(ref) : current(ref);
    }

    public Path versionDir(FileRef ref) {
        return resolve(top(VERSIONS, ref.source()), ref.rel());
    }

    public Path version(FileRef ref, int n) {
        return versionDir(ref).resolve("v" + n + ".bak");
    }

    public Path deletedRoot(String source) {
        return top(DELETED, source);
    }

    public Path deleted(String source, String stored) {
        return resolve(deletedRoot(source), stored);
    }

    /**
     * Resolves a {@code /}-separated relative path name by name (so it is the same on every OS), each name made from
     * its bytes where it holds some that are not UTF-8 ({@link FileNames}). The path must be clean ({@link RelPath}:
     * no {@code ..}, not absolute, no NUL, no empty names): state.json is checked when it is read (unclean records
     * are quarantined), so an unclean path here came from elsewhere on disk (the journal) and is refused with an
     * {@link UnsafePathException}, wrapped as unchecked.
     *
     * @throws java.nio.file.InvalidPathException when a name cannot be a file name on {@code base}'s filesystem
     */
    public static Path resolve(Path base, String rel) {
        java.util.Optional<String> why = RelPath.problem(rel, base.getFileSystem());
        if (why.isPresent()) {
            throw new UncheckedIOException(new UnsafePathException(rel, why.get()));
        }
        Path p = base;
        int start = 0;
        while (start <= rel.length()) {
            int slash = rel.indexOf('/', start);
            int end = slash < 0 ? rel.length() : slash;
            if (end > start) {
                p = FileNames.resolve(p, rel.substring(start, end));
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return p;
    }

    /** {@code root/<source>}: a source's name must be one clean name. */
    private Path top(String area, String source) {
        Path base = area == null ? root : root.resolve(area);
        if (source.indexOf('/') >= 0) {
            throw new UncheckedIOException(new UnsafePathException(source, "a source name cannot hold '/'"));
        }
        return resolve(base, source);
    }

    /**
     * {@code resolve(base, rel).toString()}, made as a string: log lines name a path for every file a pass
     * touches, and building each as a Path (a new object per name) and printing it was a good part of that.
     * {@code rel} is a path keepwatch made ({@code /}-separated names, none empty).
     */
    public static String resolvedText(Path base, String rel) {
        String b = base.toString();
        String sep = base.getFileSystem().getSeparator();
        return (b.endsWith(sep) ? b : b + sep) + (sep.equals("/") ? rel : rel.replace("/", sep));
    }

    /**
     * The {@code /}-separated form of {@code path} relative to {@code base}, each name as {@link FileNames#of} has it.
     *
     * @throws java.nio.file.InvalidPathException when a name is not UTF-8 and its bytes cannot be read
     */
    public static String relative(Path base, Path path) {
        // Most paths asked about were made from base: then the tail of the string is the answer, and cutting it off
        // is far cheaper than relativize (log lines ask for one per file).
        String b = base.toString();
        String p = path.toString();
        String sep = base.getFileSystem().getSeparator();
        if (p.length() > b.length() + sep.length() && p.startsWith(b) && p.startsWith(sep, b.length()) && !b.endsWith(sep)) {
            String tail = p.substring(b.length() + sep.length());
            if (tail.indexOf('\uFFFD') < 0) { // else maybe a name that is not UTF-8: taken name by name below
                return sep.equals("/") ? tail : tail.replace(sep, "/");
            }
        }
        Path r = base.relativize(path);
        StringBuilder sb = new StringBuilder();
        for (Path name : r) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(FileNames.of(name));
        }
        return sb.toString();
    }
}
