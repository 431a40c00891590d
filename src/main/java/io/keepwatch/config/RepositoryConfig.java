package io.keepwatch.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code repository} entry of config.json: where {@code push}, {@code check}, {@code prune} and
 * {@code restore --repo} find the repository and its key when the command line does not name them.
 *
 * @param url a folder path (relative to the config file's folder) or an {@code s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX]} URL
 * @param keyFile the key file (never inside config.json: the key is a secret)
 * @param passphraseFile the file holding the key file's passphrase, if the key file is protected by one
 * @param s3 how to talk to an {@code s3:} repository (defaults when the entry has no {@code s3} object)
 * @param replicateInterval how often at most {@code run} pushes after backups ({@code replicate_interval_seconds})
 */
public record RepositoryConfig(String url, Optional<Path> keyFile, Optional<Path> passphraseFile, S3Config s3,
        java.time.Duration replicateInterval) {
    /** The default of {@code replicate_interval_seconds}: 5 minutes. */
    public static final java.time.Duration DEFAULT_INTERVAL = java.time.Duration.ofMinutes(5);

    public RepositoryConfig(String url, Optional<Path> keyFile, Optional<Path> passphraseFile, S3Config s3) {
        this(url, keyFile, passphraseFile, s3, DEFAULT_INTERVAL);
    }
}
