package io.keepwatch.restore;

import io.keepwatch.fs.FileNames;
import io.keepwatch.fs.NameText;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Checks a {@code /}-separated relative path taken from state.json before it is used to build a path, so
 * a tampered state cannot point outside the folder it is resolved against: every name must be non-empty,
 * not {@code .} or {@code ..}, hold no NUL, and stay one name on the target filesystem (so a backslash,
 * an ordinary character in a Linux file name, is refused only where it separates folders, on Windows; so is a
 * drive letter's {@code :}). Names are made as {@link FileNames} makes them, bytes that are not UTF-8 included.
 */
public final class SafeRel {
    private SafeRel() {
    }

    /** Why {@code rel} is not a safe relative path, or empty when it is. */
    public static Optional<String> problem(String rel, Path base) {
        if (rel == null || rel.isEmpty()) {
            return Optional.of("empty path");
        }
        if (rel.startsWith("/")) {
            return Optional.of("absolute path");
        }
        boolean windows = base.getFileSystem().getSeparator().equals("\\");
        if (windows && rel.length() > 1 && rel.charAt(1) == ':') {
            return Optional.of("absolute path (drive letter)"); // only there: "a:b" is a plain name on Linux
        }
        for (String name : rel.split("/", -1)) {
            if (name.isEmpty()) {
                return Optional.of("empty name in path");
            }
            if (name.equals(".") || name.equals("..")) {
                return Optional.of("'" + name + "' in path");
            }
            if (name.indexOf('\0') >= 0) {
                return Optional.of("NUL in a name");
            }
            Path p;
            try {
                p = FileNames.resolve(base, name);
            } catch (java.nio.file.InvalidPathException e) {
                return Optional.of("invalid name '" + NameText.escape(name) + "' (" + e.getReason() + ")");
            }
            if (!base.equals(p.getParent()) || !FileNames.of(p.getFileName()).equals(name)) {
                return Optional.of("name '" + NameText.escape(name) + "' is not a single plain name here");
            }
        }
        return Optional.empty();
    }

    /** {@code base} resolved with {@code rel}, or an {@link UnsafePathException} naming the entry and the reason. */
    public static Path resolve(Path base, String rel, String entry) throws UnsafePathException {
        Optional<String> why = problem(rel, base);
        if (why.isPresent()) {
            throw new UnsafePathException(entry, why.get());
        }
        Path p = io.keepwatch.state.BackupLayout.resolve(base, rel);
        if (!p.normalize().startsWith(base.normalize())) {
            throw new UnsafePathException(entry, "resolves outside " + base);
        }
        return p;
    }
}
