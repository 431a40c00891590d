package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sealing in slices and opening through direct buffers write and read exactly what one plain AES-GCM call does. */
class CryptoGcmTest {
    private static final byte[] KEY = new byte[32];
    private static final byte[] NONCE = new byte[12];
    private static final byte[] AAD = Crypto.utf8("keepwatch test");

    static {
        new Random(3).nextBytes(KEY);
        new Random(4).nextBytes(NONCE);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 4095, 4096, 4097, 8192, 1024 * 1024 + 3, Chunker.MAX + 2048})
    void theFormatIsThatOfOneAesGcmCallAndItOpensAgain(int size) throws Exception {
        byte[] plain = new byte[size + 10];
        new Random(size).nextBytes(plain);
        byte[] sealed = Crypto.sealWithNonce(KEY, NONCE, AAD, plain, 5, size);

        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, NONCE));
        c.updateAAD(AAD);
        assertArrayEquals(c.doFinal(plain, 5, size), sealed, "the same bytes as before the change: the format is unchanged");

        byte[] framed = new byte[sealed.length + 7];
        System.arraycopy(sealed, 0, framed, 3, sealed.length);
        assertArrayEquals(Arrays.copyOfRange(plain, 5, 5 + size), Crypto.openWithNonce(KEY, NONCE, AAD, framed, 3, sealed.length));

        framed[3 + sealed.length / 2] ^= 1;
        assertThrows(AEADBadTagException.class, () -> Crypto.openWithNonce(KEY, NONCE, AAD, framed, 3, sealed.length));
        assertThrows(AEADBadTagException.class, () -> Crypto.openWithNonce(KEY, NONCE, Crypto.utf8("other"), sealed, 0, sealed.length));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 4095, 4096, 4097, 1 << 20, (1 << 20) + 5})
    void aFlaggedBlobSealedInPlaceOpensToFlagAndBody(int size) throws Exception {
        Crypto crypto = new Crypto(KEY);
        byte[] body = new byte[size];
        new Random(size).nextBytes(body);
        byte[] sealed = crypto.sealFlagged(AAD, 1, body);
        assertEquals(Crypto.OVERHEAD + 1 + size, sealed.length);
        byte[] plain = crypto.open(AAD, sealed, 0, sealed.length);
        assertEquals(1, plain[0]);
        assertArrayEquals(body, Arrays.copyOfRange(plain, 1, plain.length));
        // The same bytes as one AES-GCM call over flag and body with the nonce it chose.
        byte[] flagged = new byte[size + 1];
        flagged[0] = 1;
        System.arraycopy(body, 0, flagged, 1, size);
        byte[] nonce = Arrays.copyOfRange(sealed, 0, Crypto.NONCE);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(Crypto.derive(KEY, "keepwatch encryption"), "AES"), new GCMParameterSpec(128, nonce));
        c.updateAAD(AAD);
        assertArrayEquals(c.doFinal(flagged), Arrays.copyOfRange(sealed, Crypto.NONCE, sealed.length));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 100, 5000, 1 << 20})
    void aRandomNonceSealOpensAndATruncatedOneDoesNot(int size) throws Exception {
        SecretKeySpec k = new SecretKeySpec(KEY, "AES");
        byte[] plain = new byte[size];
        new Random(9).nextBytes(plain);
        byte[] sealed = Crypto.seal(k, AAD, plain, 0, size);
        assertArrayEquals(plain, Crypto.open(k, AAD, sealed, 0, sealed.length));
        assertThrows(AEADBadTagException.class, () -> Crypto.open(k, AAD, sealed, 0, sealed.length - 1));
        assertThrows(AEADBadTagException.class, () -> Crypto.open(k, AAD, sealed, 0, Crypto.OVERHEAD - 1));
    }

    /**
     * Opening keeps one cipher per thread and initialises it anew for every object: objects under two keys, damaged
     * ones and ones under another associated data, one after another on one thread, each open or fail on their own.
     */
    @Test
    void oneThreadOpensObjectsOfTwoKeysAndDamagedOnesInAnyOrder() throws Exception {
        Crypto crypto = new Crypto(KEY);
        SecretKeySpec other = new SecretKeySpec(Crypto.derive(KEY, "another key"), "AES");
        Random random = new Random(11);
        for (int i = 0; i < 40; i++) {
            byte[] plain = new byte[random.nextInt(3) == 0 ? 70_000 + i : i * 37];
            random.nextBytes(plain);
            boolean ours = i % 3 != 1;
            byte[] sealed = ours ? crypto.seal(AAD, plain, 0, plain.length) : Crypto.seal(other, AAD, plain, 0, plain.length);
            switch (i % 5) {
                case 0 -> {
                    sealed[sealed.length - 1 - i % Crypto.TAG] ^= 4;
                    assertThrows(AEADBadTagException.class, () -> open(crypto, other, ours, sealed, AAD));
                }
                case 1 -> assertThrows(AEADBadTagException.class, () -> open(crypto, other, ours, sealed, Crypto.utf8("elsewhere")));
                case 2 -> assertThrows(AEADBadTagException.class, () -> open(crypto, other, !ours, sealed, AAD));
                default -> assertArrayEquals(plain, open(crypto, other, ours, sealed, AAD), "object " + i);
            }
        }
    }

    private static byte[] open(Crypto crypto, SecretKeySpec other, boolean ours, byte[] sealed, byte[] aad) throws AEADBadTagException {
        return ours ? crypto.open(aad, sealed, 0, sealed.length) : Crypto.open(other, aad, sealed, 0, sealed.length);
    }
}
