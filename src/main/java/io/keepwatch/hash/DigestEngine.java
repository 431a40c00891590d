package io.keepwatch.hash;

import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * Where {@link HashingCopier}'s content hashes are computed: OpenSSL's libcrypto where it can be loaded (see
 * {@link OpenSslDigests}), else the JDK's {@link MessageDigest}. Both give the same digests; the choice is about
 * speed only. The JDK reaches the CPU's SHA instructions only in code its C2 compiler made, and the launcher runs
 * {@code keepwatch once} with the C1 compiler alone where libcrypto is there (a short run spends more CPU on C2
 * compiling than C2's code saves: docs/benchmarks.md, "B with one file changed"); libcrypto's hashing does not
 * depend on the JIT at all.
 */
public interface DigestEngine {
    /** Starts a digest of {@code algorithm}. */
    ContentDigest start(HashAlgorithm algorithm);

    /** What computes the digests, for the log ({@code "OpenSSL 3.0.15 …"} or {@code "JDK"}). */
    String description();

    /** The JDK's {@link MessageDigest}s. */
    static DigestEngine jdk() {
        return Jdk.INSTANCE;
    }

    /** libcrypto's digests where it can be loaded, else the JDK's; decided once per process. */
    static DigestEngine preferred() {
        return Preferred.ENGINE;
    }

    /** Holder: the library is looked for on first use only (commands that hash nothing never load it). */
    final class Preferred {
        static final DigestEngine ENGINE = OpenSslDigests.load().map(DigestEngine.class::cast).orElse(Jdk.INSTANCE);

        private Preferred() {
        }
    }

    /** The JDK's digests, behind {@link ContentDigest}. */
    enum Jdk implements DigestEngine {
        INSTANCE;

        @Override
        public ContentDigest start(HashAlgorithm algorithm) {
            MessageDigest digest = algorithm.newDigest();
            return new ContentDigest() {
                @Override
                public void update(ByteBuffer bytes) {
                    digest.update(bytes);
                }

                @Override
                public byte[] finish() {
                    return digest.digest();
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public String description() {
            return "JDK";
        }
    }
}
