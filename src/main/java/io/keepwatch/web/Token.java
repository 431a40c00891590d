package io.keepwatch.web;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page's token: 32 random bytes as 64 hex digits in {@code .keepwatch/http-token}, made owner-only
 * ({@code 0600}) at the first start and read at later ones. A file that is not a plain file of 64 hex digits (a link,
 * something else) is replaced by a new token, with a WARN. The token is never logged. {@link #matches} compares in
 * constant time.
 */
public final class Token {
    private static final Logger log = LoggerFactory.getLogger(Token.class);
    public static final String FILE_NAME = "http-token";

    private final byte[] value;

    private Token(String value) {
        this.value = value.getBytes(StandardCharsets.US_ASCII);
    }

    /** The token in {@code privateDir}, made there first if there is none. */
    public static Token loadOrCreate(Path privateDir) throws IOException {
        Path file = privateDir.resolve(FILE_NAME);
        Optional<String> existing = read(file);
        if (existing.isPresent()) {
            return new Token(existing.get());
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String hex = HexFormat.of().formatHex(random);
        Files.createDirectories(privateDir);
        Path tmp = privateDir.resolve(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        boolean posix = Files.getFileStore(privateDir).supportsFileAttributeView(PosixFileAttributeView.class);
        try (FileChannel c = posix
                ? FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            c.write(java.nio.ByteBuffer.wrap((hex + "\n").getBytes(StandardCharsets.US_ASCII)));
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        log.info("Made the status page's token in {} (owner-only): the page's actions need it", file);
        return new Token(hex);
    }

    private static Optional<String> read(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) && Files.size(file) < 200) {
            String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (text.matches("[0-9a-f]{64}")) {
                return Optional.of(text);
            }
        }
        log.warn("{} is not a token keepwatch made (not a plain file of 64 hex digits); replacing it with a new one", file);
        return Optional.empty();
    }

    /** Whether {@code offered} is the token, compared in constant time. */
    public boolean matches(String offered) {
        return offered != null && MessageDigest.isEqual(value, offered.strip().getBytes(StandardCharsets.US_ASCII));
    }

    /** The token, for the tests that act as a user who read the file. */
    String text() {
        return new String(value, StandardCharsets.US_ASCII);
    }
}
