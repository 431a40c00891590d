package io.keepwatch.repo;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The repository's keys and its one cipher. A random 256-bit master key (kept only in key files) gives, by
 * HMAC-SHA-256 over a fixed label, the encryption key (AES-256-GCM), the chunk-id key (HMAC-SHA-256 of a
 * chunk's plaintext), the chunker's gear-table key and the key that proves a master key opens a repository.
 * Sealed data is {@code nonce (12 random bytes) || ciphertext || tag (16 bytes)}, with associated data that
 * names what the data is (so an object moved under another name, or a chunk under another id, fails to open).
 */
public final class Crypto {
    public static final int KEY_BYTES = 32;
    public static final int NONCE = 12;
    public static final int TAG = 16;
    public static final int OVERHEAD = NONCE + TAG;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final byte[] master;
    private final SecretKeySpec encKey;
    private final SecretKeySpec idKey;
    private final byte[] gearKey;
    private final byte[] checkKey;

    public Crypto(byte[] master) {
        if (master.length != KEY_BYTES) {
            throw new IllegalArgumentException("a master key has 32 bytes, not " + master.length);
        }
        this.master = master.clone();
        this.encKey = new SecretKeySpec(derive(master, "keepwatch encryption"), "AES");
        this.idKey = new SecretKeySpec(derive(master, "keepwatch chunk id"), "HmacSHA256");
        this.gearKey = derive(master, "keepwatch chunker");
        this.checkKey = derive(master, "keepwatch key check");
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    /** A random object name part: 32 random bytes in hex. */
    public static String randomId() {
        return Hex.of(randomBytes(32));
    }

    byte[] master() {
        return master.clone();
    }

    static byte[] derive(byte[] key, String label) {
        return hmac(key, label.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is missing from this Java", e);
        }
    }

    /** A chunk's id: HMAC-SHA-256 of its plaintext under the chunk-id key. */
    public byte[] chunkId(byte[] data, int off, int len) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(idKey);
            mac.update(data, off, len);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is missing from this Java", e);
        }
    }

    /**
     * The key of one export archive: HMAC-SHA-256(HMAC-SHA-256(master, "keepwatch export"), salt), with the archive's
     * own random salt, so no two archives share a key and a segment counter can serve as the nonce.
     */
    public byte[] archiveKey(byte[] salt) {
        return hmac(derive(master, "keepwatch export"), salt);
    }

    /** HMAC-SHA-256 under any key (the export archive's key check). */
    public static byte[] mac(byte[] key, byte[] data) {
        return hmac(key, data);
    }

    /** AES-256-GCM with a caller-chosen nonce (unique per key): the export archive's segments, whose nonce is their number. */
    public static byte[] sealWithNonce(byte[] key, byte[] nonce, byte[] aad, byte[] plain, int off, int len) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce));
            c.updateAAD(aad);
            return c.doFinal(plain, off, len);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed", e);
        }
    }

    /** Opens what {@link #sealWithNonce} sealed (ciphertext and tag, no nonce). */
    public static byte[] openWithNonce(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int off, int len) throws AEADBadTagException {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, nonce));
            c.updateAAD(aad);
            return c.doFinal(sealed, off, len);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed", e);
        }
    }

    /** The proof, stored in the repository's config, that a master key opens it. */
    byte[] keyCheck(byte[] configCore) {
        return hmac(checkKey, configCore);
    }

    byte[] gearKey() {
        return gearKey.clone();
    }

    public byte[] seal(byte[] aad, byte[] plain, int off, int len) {
        return seal(encKey, aad, plain, off, len);
    }

    public byte[] open(byte[] aad, byte[] sealed, int off, int len) throws AEADBadTagException {
        return open(encKey, aad, sealed, off, len);
    }

    static byte[] seal(SecretKeySpec key, byte[] aad, byte[] plain, int off, int len) {
        byte[] nonce = randomBytes(NONCE);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce));
            c.updateAAD(aad);
            byte[] out = new byte[NONCE + len + TAG];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            c.doFinal(plain, off, len, out, NONCE);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed", e);
        }
    }

    static byte[] open(SecretKeySpec key, byte[] aad, byte[] sealed, int off, int len) throws AEADBadTagException {
        byte[] out = new byte[Math.max(0, len - OVERHEAD)];
        openInto(key, aad, sealed, off, len, out);
        return out;
    }

    /**
     * {@link #open} into {@code out} from index 0 (at least {@code len - OVERHEAD} long), so a caller opening many
     * blobs reuses one array; returns the plaintext's length.
     */
    int openInto(byte[] aad, byte[] sealed, int off, int len, byte[] out) throws AEADBadTagException {
        return openInto(encKey, aad, sealed, off, len, out);
    }

    private static int openInto(SecretKeySpec key, byte[] aad, byte[] sealed, int off, int len, byte[] out) throws AEADBadTagException {
        if (len < OVERHEAD) {
            throw new AEADBadTagException("sealed data of " + len + " bytes is shorter than nonce and tag");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG * 8, sealed, off, NONCE));
            c.updateAAD(aad);
            return c.doFinal(sealed, off + NONCE, len - NONCE, out, 0);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed", e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
