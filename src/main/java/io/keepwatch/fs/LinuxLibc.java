package io.keepwatch.fs;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.Optional;

/**
 * Binds a class's {@code native} methods to the C library through JNA's direct mapping (one JNI call each), for the
 * system calls keepwatch makes itself ({@link LinuxCalls}, the inotify watcher), or to another shared library
 * (OpenSSL's libcrypto for content hashing). Only on 64-bit Linux: the classes
 * declare {@code size_t} and {@code time_t} as Java {@code long}.
 */
public final class LinuxLibc {
    private LinuxLibc() {
    }

    /**
     * Registers {@code natives}' native methods with the C library; empty when done, else why not (another OS, a
     * 32-bit JVM, JNA's native part cannot be unpacked, e.g. a noexec temp folder).
     */
    public static Optional<String> register(Class<?> natives) {
        return register(natives, Platform.C_LIBRARY_NAME);
    }

    /**
     * Registers {@code natives}' native methods with the shared library {@code soname} (e.g. {@code libcrypto.so.3}, as
     * the dynamic linker finds it); empty when done, else why not (as above, or the library or one of the functions
     * is missing).
     */
    public static Optional<String> register(Class<?> natives, String soname) {
        if (!Platform.isLinux()) {
            return Optional.of("not Linux");
        }
        if (Native.LONG_SIZE != 8) {
            return Optional.of("not a 64-bit JVM");
        }
        try {
            Native.register(natives, NativeLibrary.getInstance(soname));
            return Optional.empty();
        } catch (LinkageError | RuntimeException e) {
            return Optional.of("JNA cannot call " + soname + " (" + e + ")");
        }
    }
}
