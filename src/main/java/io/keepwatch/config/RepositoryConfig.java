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
 */
public record RepositoryConfig(String url, Optional<Path> keyFile, Optional<Path> passphraseFile, S3Config s3) {
}
