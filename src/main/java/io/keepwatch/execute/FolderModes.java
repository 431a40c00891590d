package io.keepwatch.execute;

import io.keepwatch.fs.Modes;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the folders of the backup the mode of their source folder once a batch has filled them ({@code BackupRoot.mkdirs}
 * makes every folder owner-only, {@code 0700}, so nothing in it can be read by others while it is filled). Which
 * folder's mode a backup folder takes (docs/security.md, "Who can read the backup"):
 * <ul>
 *   <li>{@code <source>/<path>}, {@code versions/<source>/<path>}, {@code _deleted/<source>/<path>},
 *       {@code _duplicates/<source>/<path>}: the source folder {@code <path>}; a file's own folder of versions
 *       ({@code versions/<source>/<path>/<file>/}) that of the folder holding the file;</li>
 *   <li>{@code versions/}, {@code _deleted/}, {@code _duplicates/}: the backup root's;</li>
 *   <li>a folder whose source folder is gone (deleted folders) keeps the mode it has: owner-only if it was made
 *       after the source folder went; {@code .keepwatch/} is always owner-only.</li>
 * </ul>
 * The owner (keepwatch's user) always keeps read, write and search on a backup folder: it has to keep changing
 * what is in it when the source folder is read-only. Only the folders a batch touched are looked at, so a mode
 * changed on a source folder alone reaches the backup with the next change in that folder.
 */
final class FolderModes {
    private static final Logger log = LoggerFactory.getLogger(FolderModes.class);

    private final BackupLayout layout;
    private final Map<String, Path> sourceRoots;

    FolderModes(BackupLayout layout, Map<String, Path> sourceRoots) {
        this.layout = layout;
        this.sourceRoots = sourceRoots;
    }

    /** Gives each of these folders (those a batch touched) its mode; one that cannot be changed stays as it is (logged). */
    void apply(Collection<Path> folders) {
        for (Path dir : folders) {
            try {
                Optional<Set<PosixFilePermission>> mode = modeFor(dir);
                if (mode.isPresent()) {
                    Modes.setFolderMode(dir, Modes.withOwnerFull(mode.get()));
                }
            } catch (IOException e) {
                log.warn("Cannot give the folder {} its source folder's mode ({}); it stays as it is", dir, Parallel.reason(e));
            }
        }
    }

    /** The mode {@code dir} (a folder of the backup) takes, or empty to leave it as it is (see the class comment). */
    Optional<Set<PosixFilePermission>> modeFor(Path dir) throws IOException {
        Path root = layout.root();
        if (!dir.startsWith(root) || dir.equals(root)) {
            return Optional.empty();
        }
        Path names = root.relativize(dir);
        String top = names.getName(0).toString();
        boolean area = top.equals(BackupLayout.VERSIONS) || top.equals(BackupLayout.DELETED) || top.equals(BackupLayout.DUPLICATES);
        if (top.equals(BackupLayout.PRIVATE)) {
            return Optional.empty();
        }
        if (area && names.getNameCount() == 1) {
            return Modes.attributes(root, true).map(PosixFileAttributes::permissions);
        }
        int first = area ? 1 : 0;
        Path sourceRoot = sourceRoots.get(names.getName(first).toString());
        if (sourceRoot == null) {
            return Optional.empty();
        }
        Path source = sourceRoot;
        for (int i = first + 1; i < names.getNameCount(); i++) {
            source = source.resolve(names.getName(i).toString());
        }
        Optional<PosixFileAttributes> a = attributes(sourceRoot, source);
        if (a.isPresent() && a.get().isRegularFile() && top.equals(BackupLayout.VERSIONS)) {
            a = attributes(sourceRoot, source.getParent()); // a file's folder of versions
        }
        return a.filter(PosixFileAttributes::isDirectory).map(PosixFileAttributes::permissions);
    }

    /** The source root is followed when it is a link (as the scan does), nothing below it. */
    private static Optional<PosixFileAttributes> attributes(Path sourceRoot, Path p) throws IOException {
        return Modes.attributes(p, p.equals(sourceRoot));
    }
}
