package io.keepwatch.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import io.keepwatch.fs.RealFs;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * libcrypto's digests against the JDK's: the same bytes give the same stored hash for every algorithm a user may
 * choose, fed from direct or heap buffers, whole or in odd pieces; and a finished digest cannot be fed again.
 * CI runs on Debian with OpenSSL 3 (systemd and openssh need libssl3), so there the library must load.
 */
class DigestEngineTest {
    private static OpenSslDigests openSsl() {
        assumeTrue(Platform.isLinux() && Platform.is64Bit(), "libcrypto is used on 64-bit Linux only");
        return OpenSslDigests.load().orElseThrow(() -> new AssertionError(OpenSslDigests.LIBRARY + " did not load"));
    }

    private static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return b;
    }

    private static String hash(DigestEngine engine, HashAlgorithm algorithm, byte[] bytes, int piece, boolean direct) {
        try (ContentDigest d = engine.start(algorithm)) {
            for (int at = 0; at < bytes.length || at == 0; at += Math.max(piece, 1)) {
                int n = Math.min(piece, bytes.length - at);
                ByteBuffer b = direct ? ByteBuffer.allocateDirect(n + 3) : ByteBuffer.allocate(n + 3);
                b.position(3);
                b.put(bytes, at, n).flip().position(3); // not at position 0: the address must add the position
                d.update(b);
                assertEquals(b.limit(), b.position(), "update consumes the buffer");
                if (bytes.length == 0) {
                    break;
                }
            }
            return algorithm.format(d.finish());
        }
    }

    @ParameterizedTest(name = "{0}, {1} bytes in pieces of {2}, direct {3}")
    @CsvSource({
        "SHA256, 0, 1, true", "SHA256, 1, 1, true", "SHA256, 63, 7, false", "SHA256, 64, 64, true",
        "SHA256, 4097, 4096, true", "SHA256, 200000, 65536, false", "SHA256, 1048577, 1048577, true",
        "SHA512, 1000, 333, true", "SHA1, 1000, 1000, false", "MD5, 129, 64, true", "SHA3_256, 70000, 70000, false",
    })
    void libcryptoGivesTheJdksDigests(HashAlgorithm algorithm, int size, int piece, boolean direct) {
        OpenSslDigests engine = openSsl();
        assertTrue(engine.covers(algorithm), algorithm + " is hashed by libcrypto");
        byte[] bytes = random(size);
        String expected = algorithm.format(algorithm.newDigest().digest(bytes));
        assertEquals(expected, hash(engine, algorithm, bytes, piece, direct));
        assertEquals(expected, hash(DigestEngine.jdk(), algorithm, bytes, piece, direct));
    }

    @Test
    void aFinishedOrClosedDigestRefusesMoreBytes() {
        ContentDigest d = openSsl().start(HashAlgorithm.SHA256);
        d.finish();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> d.update(ByteBuffer.allocateDirect(1)));
        assertTrue(e.getMessage().contains("finished or closed"), e.getMessage());
        assertThrows(IllegalStateException.class, d::finish);
        d.close(); // twice is harmless
        ContentDigest closed = openSsl().start(HashAlgorithm.SHA256);
        closed.close();
        assertThrows(IllegalStateException.class, closed::finish);
    }

    @Test
    void theCopierStoresTheSameHashWithEitherEngine(@TempDir Path dir) throws Exception {
        byte[] content = random(5 << 20); // past the kernel-copy threshold: hashed back from the copy
        Path src = Files.write(dir.resolve("f.bin"), content);
        String expected = "sha256:" + HexFormat.of().formatHex(HashAlgorithm.SHA256.newDigest().digest(content));
        for (DigestEngine engine : new DigestEngine[] {openSsl(), DigestEngine.jdk()}) {
            Path temp = dir.resolve("f.bin." + engine.description().length() + ".staged");
            HashingCopier copier = new HashingCopier(new RealFs(false, ms -> { }), HashAlgorithm.SHA256, engine);
            assertEquals(expected, copier.copy(src, temp).hash(), engine.description());
            assertEquals(expected, copier.hash(src).hash(), engine.description());
            assertEquals(expected, copier.hashOf(temp), engine.description());
        }
    }

    @Test
    void thePreferredEngineHereIsLibcrypto() {
        openSsl();
        assertTrue(DigestEngine.preferred().description().startsWith("OpenSSL 3"), DigestEngine.preferred().description());
    }
}
