package io.keepwatch.fs;

import java.nio.file.FileSystem;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Relative paths read from disk (state.json, the journal): {@code /}-separated names that must stay below the
 * folder they are resolved against. A clean relative path has no empty name (so it is not absolute and has no
 * {@code //}), no {@code .} or {@code ..}, no NUL, and each name is one plain name on the target filesystem: on
 * Linux and macOS that is all (a backslash or a colon is an ordinary character of a name there); where the
 * separator is a backslash (Windows), a name holding {@code \}, {@code :} (a drive letter) or anything else
 * Windows would read as more than one name is refused too.
 *
 * <p>This is the one place that turns such a path into a {@link Path} ({@link #resolve}).
 */
public final class RelPath {
    private RelPath() {
    }

    /** Why {@code rel} is not a clean relative path on {@code fs}, or empty when it is. */
    public static Optional<String> problem(String rel, FileSystem fs) {
        return Optional.ofNullable(why(rel, fs));
    }

    /** Why {@code rel} is not a clean relative path on {@code fs}, or null when it is (no Optional: state loads call it per entry). */
    static String why(String rel, FileSystem fs) {
        if (rel == null || rel.isEmpty()) {
            return "empty path";
        }
        boolean windows = !fs.getSeparator().equals("/");
        if (rel.charAt(0) == '/' || (windows && rel.charAt(0) == '\\')) {
            return "absolute path";
        }
        if (windows && rel.length() > 1 && rel.charAt(1) == ':') {
            return "absolute path (drive letter)";
        }
        int start = 0;
        int n = rel.length();
        for (int i = 0; i <= n; i++) {
            char c = i < n ? rel.charAt(i) : '/';
            if (c == '\0') {
                return "NUL in a name";
            }
            if (c != '/') {
                continue;
            }
            int len = i - start;
            if (len == 0) {
                return "empty name in path";
            }
            if (rel.charAt(start) == '.' && (len == 1 || (len == 2 && rel.charAt(start + 1) == '.'))) {
                return "'" + rel.substring(start, i) + "' in path";
            }
            if (windows) {
                String name = rel.substring(start, i);
                String bad = windowsName(name, fs);
                if (bad != null) {
                    return bad;
                }
            }
            start = i + 1;
        }
        return null;
    }

    private static String windowsName(String name, FileSystem fs) {
        Path p;
        try {
            p = fs.getPath(name);
        } catch (InvalidPathException e) {
            return "invalid name '" + name + "' (" + e.getReason() + ")";
        }
        if (p.isAbsolute() || p.getRoot() != null || p.getNameCount() != 1 || !p.toString().equals(name)) {
            return "name '" + name + "' is not a single plain name here";
        }
        return null;
    }

    /**
     * {@code base} resolved with the clean relative path {@code rel}, name by name (the same on every OS); an
     * {@link UnsafePathException} naming {@code rel} and the reason otherwise.
     */
    public static Path resolve(Path base, String rel) throws UnsafePathException {
        String why = why(rel, base.getFileSystem());
        if (why != null) {
            throw new UnsafePathException(rel, why);
        }
        Path p = base;
        int start = 0;
        try {
            while (true) {
                int slash = rel.indexOf('/', start);
                // Each name through FileNames: a name kept with escaped bytes becomes those bytes again.
                p = FileNames.resolve(p, slash < 0 ? rel.substring(start) : rel.substring(start, slash));
                if (slash < 0) {
                    return p;
                }
                start = slash + 1;
            }
        } catch (InvalidPathException e) {
            throw new UnsafePathException(rel, e.getReason());
        }
    }
}
