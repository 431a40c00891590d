package io.keepwatch.hash;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The content hash algorithms a user may choose in {@code hash_algorithm}. */
public enum HashAlgorithm {
    SHA256("sha256", "SHA-256"),
    SHA512("sha512", "SHA-512"),
    SHA1("sha1", "SHA-1"),
    MD5("md5", "MD5"),
    SHA3_256("sha3-256", "SHA3-256");

    private final String configName;
    private final String jcaName;

    HashAlgorithm(String configName, String jcaName) {
        this.configName = configName;
        this.jcaName = jcaName;
    }

    /** The name used in config.json and as the prefix of stored hashes ({@code sha256:ab12…}). */
    public String configName() {
        return configName;
    }

    /** The JCA name ({@code SHA-256}, {@code SHA3-256}, …). */
    public String jcaName() {
        return jcaName;
    }

    public MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance(jcaName);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("JVM lacks required digest " + jcaName, e);
        }
    }

    /** Formats a finished digest as the stored, self-describing form {@code <name>:<hex>}. */
    public String format(byte[] digest) {
        return configName + ":" + com.google.common.io.BaseEncoding.base16().lowerCase().encode(digest);
    }

    public static Optional<HashAlgorithm> byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(a -> a.configName.equals(n)).findFirst();
    }

    /** The algorithm a stored hash string was made with, from its prefix. */
    public static Optional<HashAlgorithm> ofStoredHash(String storedHash) {
        int colon = storedHash.indexOf(':');
        return colon < 0 ? Optional.empty() : byName(storedHash.substring(0, colon));
    }

    public static String allowedNames() {
        return Arrays.stream(values()).map(HashAlgorithm::configName).collect(Collectors.joining(", "));
    }
}
