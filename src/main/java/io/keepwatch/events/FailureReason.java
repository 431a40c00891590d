package io.keepwatch.events;

import io.keepwatch.hash.FileChangedException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;

/** Why a file could not be backed up, typed, so that history and notifications can group failures without parsing. */
public enum FailureReason {
    /** Reading the file or folder failed (an I/O error, a locked file). */
    UNREADABLE,
    /** It was gone by the time it was read or moved. */
    VANISHED,
    /** It kept changing while it was read; it is tried again at the next change or pass. */
    CHANGING,
    /** The backup root's disk (or quota) is full. */
    NO_SPACE,
    /** The operating system refused access. */
    PERMISSION,
    /** A path keepwatch refuses to use (a link or a name that would lead outside its folder). */
    UNSAFE_PATH,
    /** Anything else; the message says what. */
    OTHER;

    /**
     * The reason for an exception, {@code otherwise} when its type says nothing more specific (for example
     * {@link #UNREADABLE} for a failure while reading a source, {@link #OTHER} while writing the backup).
     */
    public static FailureReason of(Throwable e, FailureReason otherwise) {
        if (e instanceof io.keepwatch.fs.UnsafePathException
                || e instanceof java.io.UncheckedIOException u && u.getCause() instanceof io.keepwatch.fs.UnsafePathException) {
            return UNSAFE_PATH;
        }
        if (e instanceof AccessDeniedException) {
            return PERMISSION;
        }
        if (e instanceof NoSuchFileException) {
            return VANISHED;
        }
        if (e instanceof FileChangedException) {
            return CHANGING;
        }
        if (noSpace(e.getMessage()) || e instanceof FileSystemException f && noSpace(f.getReason())) {
            return NO_SPACE;
        }
        return otherwise;
    }

    /** ENOSPC and EDQUOT as the JDK reports them (the OS's own text, which on Linux and macOS is English). */
    private static boolean noSpace(String text) {
        if (text == null) {
            return false;
        }
        String t = text.toLowerCase(Locale.ROOT);
        return t.contains("no space left on device") || t.contains("disk quota exceeded") || t.contains("not enough space on the disk");
    }
}
