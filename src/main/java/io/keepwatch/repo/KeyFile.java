package io.keepwatch.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * A key file: the repository's master key, for the repository it names, either as it is or wrapped
 * (AES-256-GCM) under a key derived from a passphrase with Argon2id, whose parameters and salt the file
 * holds. JSON, written 0600 and never over an existing file. Several key files (other passphrases, or one
 * without) may hold the same master key; changing a passphrase writes a new key file and touches nothing
 * in the repository.
 */
public final class KeyFile {
    static final int FORMAT = 1;
    /** Argon2id defaults: 64 MiB, 3 passes, 1 lane (about a second here), as RFC 9106's second recommendation. */
    public static final Kdf DEFAULT_KDF = new Kdf(65536, 3, 1);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Argon2id parameters. */
    public record Kdf(int memoryKib, int iterations, int parallelism) {
    }

    private KeyFile() {
    }

    /** A new master key for a new repository id, written into a new key file (refused if the file exists). */
    public static Opened create(Path file, Optional<char[]> passphrase, Kdf kdf) throws IOException {
        byte[] master = Crypto.randomBytes(Crypto.KEY_BYTES);
        String id = Crypto.randomId();
        write(file, master, id, passphrase, kdf);
        return new Opened(id, master);
    }

    /** Writes a new key file for {@code repoId}; refuses an existing file. */
    public static void write(Path file, byte[] master, String repoId, Optional<char[]> passphrase, Kdf kdf) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("keepwatch_key", FORMAT);
        n.put("repository", repoId);
        if (passphrase.isPresent()) {
            byte[] salt = Crypto.randomBytes(16);
            ObjectNode k = n.putObject("kdf");
            k.put("name", "argon2id");
            k.put("memory_kib", kdf.memoryKib());
            k.put("iterations", kdf.iterations());
            k.put("parallelism", kdf.parallelism());
            k.put("salt", Base64.getEncoder().encodeToString(salt));
            byte[] kek = argon2(passphrase.get(), salt, kdf);
            n.put("wrapped_key", Base64.getEncoder().encodeToString(
                    Crypto.seal(new SecretKeySpec(kek, "AES"), aad(repoId), master, 0, master.length)));
            Arrays.fill(kek, (byte) 0);
        } else {
            n.put("key", Base64.getEncoder().encodeToString(master));
        }
        Path abs = file.toAbsolutePath();
        if (abs.getParent() != null) {
            Files.createDirectories(abs.getParent());
        }
        try {
            Private.writeNew(abs, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new java.nio.file.FileAlreadyExistsException(file.toString(), null, "a key file is already there; it was left as it is");
        }
    }

    /**
     * Rewrites an existing key file with the same master key under another passphrase (or none): a new file beside
     * it ({@code KEY.new}, 0600), synced, then renamed over it, so the key file is always whole, old or new.
     * Nothing in the repository changes.
     */
    public static void replace(Path file, Opened key, Optional<char[]> passphrase, Kdf kdf) throws IOException {
        Path abs = file.toAbsolutePath();
        Path temp = abs.resolveSibling(abs.getFileName() + ".new");
        Files.deleteIfExists(temp);
        write(temp, key.master(), key.repoId(), passphrase, kdf);
        Files.move(temp, abs, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Private.syncDir(abs.getParent());
    }

    /** What a key file holds once opened. */
    public record Opened(String repoId, byte[] master) {
    }

    /**
     * Reads a key file. A wrapped key needs the passphrase; a wrong one is an error that says so (the
     * GCM tag of the wrapped key does not verify).
     */
    public static Opened read(Path file, Optional<char[]> passphrase) throws RepoException {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new RepoException("key file " + file + " does not exist");
        } catch (IOException e) {
            throw new RepoException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
        if (n == null || !n.isObject() || n.path("keepwatch_key").asInt() != FORMAT || !n.path("repository").isTextual()) {
            throw new RepoException(file + " is not a keepwatch key file (or of a newer format)");
        }
        String repoId = n.get("repository").asText();
        try {
            if (n.has("key")) {
                byte[] master = Base64.getDecoder().decode(n.get("key").asText());
                if (master.length != Crypto.KEY_BYTES) {
                    throw new RepoException("key file " + file + " is damaged: its key has " + master.length + " bytes, not 32");
                }
                return new Opened(repoId, master);
            }
            JsonNode k = n.path("kdf");
            if (!"argon2id".equals(k.path("name").asText()) || !n.path("wrapped_key").isTextual()) {
                throw new RepoException("key file " + file + " is damaged: neither a key nor a passphrase-wrapped key (argon2id)");
            }
            Kdf kdf = new Kdf(k.path("memory_kib").asInt(), k.path("iterations").asInt(), k.path("parallelism").asInt());
            if (kdf.memoryKib() < 8 || kdf.memoryKib() > 4 * 1024 * 1024 || kdf.iterations() < 1 || kdf.iterations() > 100
                    || kdf.parallelism() < 1 || kdf.parallelism() > 64) {
                throw new RepoException("key file " + file + " is damaged: Argon2id parameters out of range " + kdf);
            }
            if (passphrase.isEmpty()) {
                throw new RepoException("key file " + file + " is protected by a passphrase; give it with --passphrase-file FILE");
            }
            byte[] salt = Base64.getDecoder().decode(k.path("salt").asText());
            byte[] wrapped = Base64.getDecoder().decode(n.get("wrapped_key").asText());
            byte[] kek = argon2(passphrase.get(), salt, kdf);
            try {
                byte[] master = Crypto.open(new SecretKeySpec(kek, "AES"), aad(repoId), wrapped, 0, wrapped.length);
                return new Opened(repoId, master);
            } catch (AEADBadTagException e) {
                throw new RepoException("wrong passphrase for key file " + file + " (or the key file is damaged)");
            } finally {
                Arrays.fill(kek, (byte) 0);
            }
        } catch (IllegalArgumentException e) {
            throw new RepoException("key file " + file + " is damaged: " + e.getMessage(), e);
        }
    }

    /** A passphrase file's first line (a trailing newline is not part of it); an empty passphrase is refused. */
    public static char[] readPassphrase(Path file) throws RepoException {
        String s;
        try {
            s = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RepoException("cannot read passphrase file " + file + ": " + e.getMessage(), e);
        }
        int nl = s.indexOf('\n');
        String line = nl >= 0 ? s.substring(0, nl) : s;
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            throw new RepoException("passphrase file " + file + " holds an empty passphrase");
        }
        return line.toCharArray();
    }

    private static byte[] aad(String repoId) {
        return Crypto.utf8("keepwatch key file " + FORMAT + " " + repoId);
    }

    static byte[] argon2(char[] passphrase, byte[] salt, Kdf kdf) {
        Argon2Parameters p = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withSalt(salt).withMemoryAsKB(kdf.memoryKib()).withIterations(kdf.iterations())
                .withParallelism(kdf.parallelism()).build();
        Argon2BytesGenerator g = new Argon2BytesGenerator();
        g.init(p);
        byte[] out = new byte[Crypto.KEY_BYTES];
        byte[] pw = new String(passphrase).getBytes(StandardCharsets.UTF_8);
        g.generateBytes(pw, out);
        Arrays.fill(pw, (byte) 0);
        return out;
    }
}
