package io.keepwatch.fs;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Permission bits as text ({@code rw-r--r--}), as {@link PosixFilePermissions#toString} writes them, from a
 * table of all 512 strings: a scan turns the bits of every file into text, and building each string anew was
 * a good part of a scan's own (non-system) time.
 */
public final class PermissionText {
    private static final PosixFilePermission[] ALL = PosixFilePermission.values();
    private static final String[] TEXT = new String[1 << ALL.length];

    static {
        for (int mask = 0; mask < TEXT.length; mask++) {
            Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
            for (PosixFilePermission p : ALL) {
                if ((mask & (1 << p.ordinal())) != 0) {
                    set.add(p);
                }
            }
            TEXT[mask] = PosixFilePermissions.toString(set);
        }
    }

    private PermissionText() {
    }

    /** The same string as {@link PosixFilePermissions#toString(Set)}, shared, not built. */
    public static String of(Set<PosixFilePermission> permissions) {
        return TEXT[mask(permissions)];
    }

    /** The permissions as a number from 0 to 511 (a bit for each, by {@link PosixFilePermission#ordinal}). */
    public static int mask(Set<PosixFilePermission> permissions) {
        int mask = 0;
        for (PosixFilePermission p : permissions) {
            mask |= 1 << p.ordinal();
        }
        return mask;
    }

    /** The text of the permissions {@code mask} ({@link #mask}) stands for, shared, not built. */
    public static String ofMask(int mask) {
        return TEXT[mask];
    }
}
