package io.keepwatch.restore;

import java.lang.reflect.Field;
import java.nio.MappedByteBuffer;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases a memory-mapped window as soon as it has been read. Java 17 has no public unmap: a mapping lives until
 * the garbage collector finds its buffer unreachable, and the pages it touched count in the process's resident
 * memory until then, so a verify of data set A (eight 128 MiB files) peaked at 1.2 GB. {@code
 * sun.misc.Unsafe#invokeCleaner} (module {@code jdk.unsupported}, open to every class path) unmaps at once; Lucene
 * and Netty release their mappings the same way. Where it is missing the window is left to the collector (still
 * correct, only larger). The caller must not touch the buffer after {@link #unmap}: {@code Verifier} drops it
 * right after hashing it.
 */
final class Unmapper {
    private static final Logger log = LoggerFactory.getLogger(Unmapper.class);
    /** A constant looked up once, not state: whether this JVM lets us unmap. */
    private static final Optional<sun.misc.Unsafe> UNSAFE = lookup();

    private Unmapper() {
    }

    private static Optional<sun.misc.Unsafe> lookup() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return Optional.of((sun.misc.Unsafe) f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("mapped windows are left to the garbage collector: {}", e.toString());
            return Optional.empty();
        }
    }

    /** Unmaps {@code window} now if this JVM allows it; true if it did. */
    static boolean unmap(MappedByteBuffer window) {
        if (UNSAFE.isEmpty()) {
            return false;
        }
        UNSAFE.get().invokeCleaner(window);
        return true;
    }
}
