package io.keepwatch.hash;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.keepwatch.fs.LinuxLibc;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content digests computed by OpenSSL 3's libcrypto ({@code libcrypto.so.3}, part of every Debian or Ubuntu with
 * systemd), called through JNA's direct mapping: one JNI call per {@link ContentDigest#update}, with the address of
 * the caller's direct buffer, so no byte is copied. libcrypto uses the CPU's SHA instructions itself (here about
 * 1.8 GB/s a core for SHA-256, `openssl speed -evp sha256`), whatever the JIT has compiled.
 *
 * <p>Each algorithm is fetched once ({@code EVP_MD_fetch}: an implicit fetch per file would take a lock and a lookup
 * each time); an algorithm libcrypto lacks (a FIPS-only setup has no MD5) falls back to the JDK's. {@code
 * -Dkeepwatch.openssl=off} turns the library off. Each digest owns one {@code EVP_MD_CTX}, freed by {@link
 * ContentDigest#close}; a closed or finished digest refuses further use instead of touching freed memory.
 */
final class OpenSslDigests implements DigestEngine {
    private static final Logger LOG = LoggerFactory.getLogger(OpenSslDigests.class);
    static final String LIBRARY = "libcrypto.so.3";
    /** EVP_MAX_MD_SIZE. */
    private static final int MAX_DIGEST = 64;
    /** Heap bytes are hashed through a direct buffer of this size (the copier itself only passes direct ones). */
    private static final int SCRATCH = 64 << 10;

    private final String version;
    /** Per {@link HashAlgorithm} ordinal: the fetched EVP_MD, or 0 where libcrypto has none (the JDK's is used). */
    private final long[] digests;
    private final int[] sizes;
    private final ThreadLocal<ByteBuffer> out = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(MAX_DIGEST));
    private final ThreadLocal<ByteBuffer> scratch = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SCRATCH));

    private OpenSslDigests(String version, long[] digests, int[] sizes) {
        this.version = version;
        this.digests = digests;
        this.sizes = sizes;
    }

    /** The library's digests, or empty (logged at debug: why) where it cannot be loaded or is turned off. */
    static Optional<OpenSslDigests> load() {
        if ("off".equals(System.getProperty("keepwatch.openssl"))) {
            LOG.debug("Content hashing: the JDK's (-Dkeepwatch.openssl=off)");
            return Optional.empty();
        }
        Optional<String> why = LinuxLibc.register(Natives.class, LIBRARY);
        if (why.isPresent()) {
            LOG.debug("Content hashing: the JDK's ({})", why.get());
            return Optional.empty();
        }
        HashAlgorithm[] all = HashAlgorithm.values();
        long[] mds = new long[all.length];
        int[] sizes = new int[all.length];
        for (HashAlgorithm a : all) { // OpenSSL 3 knows the JCA names as aliases (SHA-256, SHA-1, SHA3-256, MD5)
            long md = Natives.EVP_MD_fetch(0, a.jcaName(), null);
            int size = md == 0 ? 0 : Natives.EVP_MD_get_size(md);
            // Bounded by the output buffer; that it is the JDK's digest is DigestEngineTest's to show (asking the JDK
            // here would load its providers in every once that never uses them).
            if (md != 0 && size > 0 && size <= MAX_DIGEST) {
                mds[a.ordinal()] = md;
                sizes[a.ordinal()] = size;
            }
        }
        OpenSslDigests engine = new OpenSslDigests(Natives.OpenSSL_version(0), mds, sizes);
        LOG.debug("Content hashing: {}", engine.description());
        return Optional.of(engine);
    }

    /** Whether {@code algorithm} is hashed by libcrypto (else by the JDK). */
    boolean covers(HashAlgorithm algorithm) {
        return digests[algorithm.ordinal()] != 0;
    }

    @Override
    public ContentDigest start(HashAlgorithm algorithm) {
        long md = digests[algorithm.ordinal()];
        if (md == 0) {
            return DigestEngine.jdk().start(algorithm);
        }
        long ctx = Natives.EVP_MD_CTX_new();
        if (ctx == 0) {
            throw new OutOfMemoryError("libcrypto could not allocate a digest context (EVP_MD_CTX_new)");
        }
        if (Natives.EVP_DigestInit_ex2(ctx, md, 0) != 1) {
            Natives.EVP_MD_CTX_free(ctx);
            throw new IllegalStateException("libcrypto could not start a " + algorithm.configName() + " digest (EVP_DigestInit_ex2)");
        }
        return new Running(ctx, sizes[algorithm.ordinal()], algorithm);
    }

    @Override
    public String description() {
        return version + " (" + LIBRARY + ")";
    }

    private final class Running implements ContentDigest {
        private long ctx;
        private final int size;
        private final HashAlgorithm algorithm;

        Running(long ctx, int size, HashAlgorithm algorithm) {
            this.ctx = ctx;
            this.size = size;
            this.algorithm = algorithm;
        }

        @Override
        public void update(ByteBuffer bytes) {
            live();
            if (bytes.isDirect()) {
                int n = bytes.remaining();
                long address = Pointer.nativeValue(Native.getDirectBufferPointer(bytes)) + bytes.position();
                check(Natives.EVP_DigestUpdate(ctx, address, n), "EVP_DigestUpdate");
                Reference.reachabilityFence(bytes);
                bytes.position(bytes.limit());
                return;
            }
            ByteBuffer via = scratch.get();
            while (bytes.hasRemaining()) {
                int n = Math.min(via.capacity(), bytes.remaining());
                via.clear().put(bytes.slice(bytes.position(), n)).flip();
                bytes.position(bytes.position() + n);
                update(via);
            }
        }

        @Override
        public byte[] finish() {
            live();
            ByteBuffer result = out.get();
            check(Natives.EVP_DigestFinal_ex(ctx, Pointer.nativeValue(Native.getDirectBufferPointer(result)), 0),
                    "EVP_DigestFinal_ex");
            Reference.reachabilityFence(result);
            byte[] digest = new byte[size];
            result.get(0, digest);
            close();
            return digest;
        }

        @Override
        public void close() {
            if (ctx != 0) {
                Natives.EVP_MD_CTX_free(ctx);
                ctx = 0;
            }
        }

        private void live() {
            if (ctx == 0) {
                throw new IllegalStateException("this " + algorithm.configName() + " digest is finished or closed");
            }
        }

        private void check(int rc, String function) {
            if (rc != 1) {
                throw new IllegalStateException("libcrypto's " + function + " failed for a " + algorithm.configName() + " digest");
            }
        }
    }

    /** libcrypto's functions, bound by {@link LinuxLibc#register(Class, String)}; pointers are passed as {@code long}. */
    static final class Natives {
        private Natives() {
        }

        static native String OpenSSL_version(int type);

        static native long EVP_MD_fetch(long libraryContext, String algorithm, String properties);

        static native int EVP_MD_get_size(long md);

        static native long EVP_MD_CTX_new();

        static native void EVP_MD_CTX_free(long ctx);

        static native int EVP_DigestInit_ex2(long ctx, long md, long params);

        static native int EVP_DigestUpdate(long ctx, long data, long count);

        static native int EVP_DigestFinal_ex(long ctx, long md, long size);
    }
}
