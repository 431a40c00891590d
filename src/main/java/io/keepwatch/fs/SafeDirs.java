package io.keepwatch.fs;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Creates folders inside the backup root without ever passing through a symbolic link planted there: every
 * folder between the root and the target is checked to be a real directory. A folder it makes is owner-only
 * ({@code 0700}, {@link Modes#createFolder}) until its user gives it its own mode (the source folder's, once filled). Verified folders are
 * remembered, so a batch of thousands of files into one folder costs one check. Safe to share between
 * threads: two that make the same folder at once both see it made.
 */
public final class SafeDirs {
    private final Path root;
    private final Set<Path> verified = ConcurrentHashMap.newKeySet();

    public SafeDirs(Path root) {
        this.root = root;
    }

    /** Ensures {@code dir} (which must be inside the root) exists as a real directory chain. */
    public void ensure(Path dir) throws IOException {
        if (dir.equals(root) || verified.contains(dir)) {
            return;
        }
        if (!dir.startsWith(root)) {
            throw new FileSystemException(dir.toString(), null, "is outside the backup root " + root);
        }
        ensure(dir.getParent());
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            try {
                Modes.createFolder(dir);
                verified.add(dir);
                return;
            } catch (FileAlreadyExistsException made) {
                // Made meanwhile (by another thread): checked below like any folder found.
                attrs = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            }
        }
        if (attrs.isSymbolicLink()) {
            throw new FileSystemException(dir.toString(), null,
                    "is a symbolic link inside the backup root; refusing to write through it");
        }
        if (!attrs.isDirectory()) {
            throw new FileSystemException(dir.toString(), null, "is in the way: a file where a folder is needed");
        }
        verified.add(dir);
    }

    /** Forgets what was verified under {@code dir}, after the engine removed it. */
    public void forget(Path dir) {
        verified.removeIf(p -> p.startsWith(dir));
    }
}
