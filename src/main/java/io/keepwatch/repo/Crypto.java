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
    /**
     * Nonces come from a DRBG (NIST SP 800-90A, seeded from the system's entropy) per thread: the default
     * SecureRandom reads /dev/urandom under one lock and mixes in SHA1PRNG for every call, which made the 12-byte
     * nonce of each sealed chunk 6% of a push's CPU, with the sealing threads waiting on each other.
     */
    private static final ThreadLocal<SecureRandom> NONCES = ThreadLocal.withInitial(() -> {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this Java has no DRBG SecureRandom", e);
        }
    });

    private final byte[] master;
    private final SecretKeySpec encKey;
    private final SecretKeySpec idKey;
    private final byte[] gearKey;
    private final byte[] checkKey;
    /** One chunk-id HMAC per thread, keyed once (doFinal resets it for the next chunk). */
    private final ThreadLocal<Mac> idMac = ThreadLocal.withInitial(this::newIdMac);
    /**
     * One AES-GCM cipher per thread for sealing under the encryption key, initialised anew (with a new random
     * nonce) for every object: a new Cipher per chunk looked the provider up and expanded the AES key again each
     * time (AESCrypt keeps the expanded key of the last key it was given), 20,000 times for data set A's files.
     */
    private final ThreadLocal<Cipher> sealCipher = ThreadLocal.withInitial(Crypto::newGcm);

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

    private Mac newIdMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(idKey);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is missing from this Java", e);
        }
    }

    /** A chunk's id: HMAC-SHA-256 of its plaintext under the chunk-id key. */
    public byte[] chunkId(byte[] data, int off, int len) {
        Mac mac = idMac.get();
        mac.update(data, off, len);
        return mac.doFinal();
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
        byte[] out = new byte[len + TAG];
        gcmSeal(new SecretKeySpec(key, "AES"), nonce, aad, plain, off, len, out, 0);
        return out;
    }

    /** Opens what {@link #sealWithNonce} sealed (ciphertext and tag, no nonce). */
    public static byte[] openWithNonce(byte[] key, byte[] nonce, byte[] aad, byte[] sealed, int off, int len) throws AEADBadTagException {
        byte[] out = new byte[Math.max(0, len - TAG)];
        gcmOpen(new SecretKeySpec(key, "AES"), nonce, aad, java.nio.ByteBuffer.wrap(sealed, off, len), out);
        return out;
    }

    /** The proof, stored in the repository's config, that a master key opens it. */
    byte[] keyCheck(byte[] configCore) {
        return hmac(checkKey, configCore);
    }

    byte[] gearKey() {
        return gearKey.clone();
    }

    public byte[] seal(byte[] aad, byte[] plain, int off, int len) {
        return seal(sealCipher.get(), encKey, aad, plain, off, len);
    }

    public byte[] open(byte[] aad, byte[] sealed, int off, int len) throws AEADBadTagException {
        return open(encKey, aad, sealed, off, len);
    }

    /**
     * {@link #seal} of {@code flag ‖ body} (a pack's blob), built in the output array and encrypted in place, so the
     * plaintext is not first copied into an array of its own.
     */
    byte[] sealFlagged(byte[] aad, int flag, byte[] body) {
        byte[] nonce = new byte[NONCE];
        NONCES.get().nextBytes(nonce);
        byte[] out = new byte[NONCE + 1 + body.length + TAG];
        System.arraycopy(nonce, 0, out, 0, NONCE);
        out[NONCE] = (byte) flag;
        System.arraycopy(body, 0, out, NONCE + 1, body.length);
        gcmSeal(sealCipher.get(), encKey, nonce, aad, out, NONCE, 1 + body.length, out, NONCE); // Cipher is copy-safe: in place is allowed
        return out;
    }

    static byte[] seal(SecretKeySpec key, byte[] aad, byte[] plain, int off, int len) {
        return seal(newGcm(), key, aad, plain, off, len);
    }

    private static byte[] seal(Cipher c, SecretKeySpec key, byte[] aad, byte[] plain, int off, int len) {
        byte[] nonce = new byte[NONCE];
        NONCES.get().nextBytes(nonce);
        byte[] out = new byte[NONCE + len + TAG];
        System.arraycopy(nonce, 0, out, 0, NONCE);
        gcmSeal(c, key, nonce, aad, plain, off, len, out, NONCE);
        return out;
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

    /** {@link #openInto(byte[], byte[], int, int, byte[])} of {@code sealed[off, off+len)} in a buffer (direct: opened where it is). */
    int openInto(byte[] aad, java.nio.ByteBuffer sealed, int off, int len, byte[] out) throws AEADBadTagException {
        return openInto(encKey, aad, sealed, off, len, out);
    }

    private static int openInto(SecretKeySpec key, byte[] aad, byte[] sealed, int off, int len, byte[] out) throws AEADBadTagException {
        return openInto(key, aad, java.nio.ByteBuffer.wrap(sealed), off, len, out);
    }

    private static int openInto(SecretKeySpec key, byte[] aad, java.nio.ByteBuffer sealed, int off, int len, byte[] out)
            throws AEADBadTagException {
        if (len < OVERHEAD) {
            throw new AEADBadTagException("sealed data of " + len + " bytes is shorter than nonce and tag");
        }
        byte[] nonce = new byte[NONCE];
        sealed.get(off, nonce);
        return gcmOpen(key, nonce, aad, sealed.slice(off + NONCE, len - NONCE), out);
    }

    /*
     * How the JDK's AES-GCM is called, and why. On Java 17, GHASH runs at hardware speed (the intrinsic, about
     * 2 GB/s here) only once the JIT has compiled its callers, which happens after thousands of calls; one
     * doFinal over a whole 1 MiB chunk is one call, so a push or check of gigabytes ran the Java fallback at
     * about 75 MB/s from start to end. Sealing therefore feeds the cipher 4 KiB at a time (the same
     * ciphertext; compiled after the first few MiB), and opening decrypts from a direct buffer, the decrypt path
     * that does not hold the whole input back and so also gets compiled (a heap-array doFinal stayed at
     * 75 MB/s however it was sliced). Measured with per-thread CPU time over 400 MiB of 1 MiB calls: seal
     * 5.7 s -> 0.9 s, open 5.5 s -> 1.3 s. The plaintext goes straight into the caller's array (a heap output
     * buffer keeps the fast path as long as the input is direct): copying it out of a second direct buffer
     * cost a seventh of the decryption's CPU (over 1 GiB of 1 MiB chunks: 2.9 GB/s a core without the copy, 2.5 with).
     */
    private static final int SEAL_SLICE = 4096;
    /** A per-thread direct buffer for opening sealed data held in a heap array, kept up to the size of the largest chunk (larger objects get their own). */
    private static final int KEPT_OPEN_BUFFER = Chunker.MAX + 1024;
    private static final ThreadLocal<java.nio.ByteBuffer[]> OPEN_BUFFERS = ThreadLocal.withInitial(() -> new java.nio.ByteBuffer[1]);
    /**
     * One AES-GCM cipher per thread for opening, initialised anew for every object (init resets it, also after a tag
     * that did not match). A new Cipher per blob looked the provider up and expanded the AES key again for each of
     * check --read-data's ~1,100 blobs a GiB (AESCrypt keeps the expansion of the last key it was given): besides the
     * work itself, that made the key expansion hot enough for C2 to compile it three times (about a second of a
     * compiler thread per check).
     */
    private static final ThreadLocal<Cipher> OPEN_CIPHER = ThreadLocal.withInitial(Crypto::newGcm);

    private static Cipher newGcm() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM is missing from this Java", e);
        }
    }

    private static void gcmSeal(SecretKeySpec key, byte[] nonce, byte[] aad, byte[] plain, int off, int len, byte[] out, int outOff) {
        gcmSeal(newGcm(), key, nonce, aad, plain, off, len, out, outOff);
    }

    /**
     * Seals with {@code c}, which is initialised here (a cipher kept by a thread may be passed: init resets it, and
     * the JDK refuses only the same key with the same nonce, which random nonces never repeat).
     */
    private static void gcmSeal(Cipher c, SecretKeySpec key, byte[] nonce, byte[] aad, byte[] plain, int off, int len, byte[] out,
            int outOff) {
        try {
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce));
            c.updateAAD(aad);
            int o = outOff;
            int i = 0;
            for (; len - i > SEAL_SLICE; i += SEAL_SLICE) {
                o += c.update(plain, off + i, SEAL_SLICE, out, o);
            }
            o += c.doFinal(plain, off + i, len - i, out, o);
            if (o != outOff + len + TAG) {
                throw new IllegalStateException("AES-256-GCM wrote " + (o - outOff) + " bytes, not " + (len + TAG));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-256-GCM failed", e);
        }
    }

    /**
     * Opens the ciphertext-and-tag between {@code sealed}'s position and limit into {@code out} from index 0; returns the
     * plaintext's length. A direct {@code sealed} is decrypted where it is; a heap one is first copied into a direct buffer.
     */
    private static int gcmOpen(SecretKeySpec key, byte[] nonce, byte[] aad, java.nio.ByteBuffer sealed, byte[] out)
            throws AEADBadTagException {
        int len = sealed.remaining();
        if (len < TAG) {
            throw new AEADBadTagException("sealed data of " + len + " bytes is shorter than its tag");
        }
        java.nio.ByteBuffer in = sealed;
        if (!sealed.isDirect()) {
            java.nio.ByteBuffer[] b = OPEN_BUFFERS.get();
            if (b[0] == null || b[0].capacity() < len) {
                b = new java.nio.ByteBuffer[] {java.nio.ByteBuffer.allocateDirect(len)};
                if (len <= KEPT_OPEN_BUFFER) {
                    OPEN_BUFFERS.set(b);
                }
            }
            in = b[0].clear();
            in.put(sealed).flip();
        }
        try {
            Cipher c = OPEN_CIPHER.get();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG * 8, nonce));
            c.updateAAD(aad);
            return c.doFinal(in, java.nio.ByteBuffer.wrap(out));
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
