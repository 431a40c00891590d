package io.keepwatch.execute;

import java.util.Optional;
import java.nio.file.attribute.BasicFileAttributes;
import java.io.IOException;
import io.keepwatch.fs.Fs;
import io.keepwatch.state.BackupLayout;
import java.nio.file.Path;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Names for files in {@code _deleted/<source>/}. The first deletion of a path keeps its own path; a later
 * deletion of the same path gets {@code <path>.~2~}, {@code .~3~}, …, so none overwrites another. When a
 * folder on the way is taken by a file (a file {@code a} was deleted, later {@code a/b} is), the suffix
 * goes on that folder's name instead: {@code a.~2~/b}.
 */
public final class DeletedNames {
    /**
     * A suffix as {@link #withSuffix} writes it (n from 2, ASCII digits, no leading zero) after at least one character of
     * a name: a name that is only {@code .~2~}, or {@code .~0~}, {@code .~02~}, {@code .~١~}, is not one, and stays whole.
     */
    private static final Pattern SUFFIX = Pattern.compile("(?<=[^/])\\.~([2-9]|[1-9][0-9]+)~(?=/|$)");

    private DeletedNames() {
    }

    static String choose(Fs fs, Path deletedRoot, String rel, Predicate<String> claimed) throws IOException {
        String blocked = blockedPrefix(fs, deletedRoot, rel);
        for (int n = 1; n < 100_000; n++) {
            String candidate;
            if (n == 1) {
                candidate = rel;
            } else if (blocked == null) {
                candidate = withSuffix(rel, n);
            } else {
                candidate = withSuffix(blocked, n) + rel.substring(blocked.length());
            }
            if (!claimed.test(candidate) && free(fs, deletedRoot, candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free name under " + deletedRoot + " for " + rel);
    }

    /**
     * {@code path.~n~}; a last name that would exceed 255 bytes (the usual limit) is shortened before the
     * suffix. The state keeps the real path, so nothing is lost by shortening the stored name.
     */
    static String withSuffix(String path, int n) {
        String suffix = ".~" + n + "~";
        int slash = path.lastIndexOf('/');
        String dir = path.substring(0, slash + 1);
        String name = path.substring(slash + 1);
        while (!name.isEmpty() && (name + suffix).getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
            name = name.substring(0, name.offsetByCodePoints(name.length(), -1));
        }
        return dir + name + suffix;
    }

    /** The original path of a stored name: {@code a.~2~/b.~3~} → {@code a/b}. */
    public static String originalPath(String stored) {
        return SUFFIX.matcher(stored).replaceAll("");
    }

    private static boolean free(Fs fs, Path root, String candidate) throws IOException {
        Path p = BackupLayout.resolve(root, candidate);
        return blockedPrefix(fs, root, candidate) == null && !fs.exists(p);
    }

    /** The first folder on the way to {@code rel} that exists as something other than a folder. */
    private static String blockedPrefix(Fs fs, Path root, String rel) throws IOException {
        int slash = -1;
        while ((slash = rel.indexOf('/', slash + 1)) >= 0) {
            String prefix = rel.substring(0, slash);
            Optional<BasicFileAttributes> a = fs.attributesIfExists(BackupLayout.resolve(root, prefix));
            if (a.isEmpty()) {
                return null;
            }
            if (!a.get().isDirectory()) {
                return prefix;
            }
        }
        return null;
    }
}
