package io.keepwatch.cli;

import io.keepwatch.config.ConfigException;
import io.keepwatch.config.ConfigLoader;
import io.keepwatch.config.RepositoryConfig;
import io.keepwatch.config.S3Config;
import io.keepwatch.repo.BlobStore;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.RepoException;
import io.keepwatch.repo.Repository;
import io.keepwatch.s3.S3Location;
import io.keepwatch.s3.Stores;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The options every repository command shares: {@code --repo}, {@code --key-file}, {@code --passphrase-file}
 * and {@code --cache-dir}; what the command line leaves out comes from the config file's {@code repository}
 * entry (read alone, so a new machine's config may name source folders that do not exist yet).
 */
final class RepoOptions {
    @Option(names = "--repo", paramLabel = "REPO", arity = "0..1", fallbackValue = "",
            description = "the repository: a folder, or s3:http(s)://HOST[:PORT]/BUCKET[/PREFIX] (default: the config file's repository.url)")
    String repo;

    @Option(names = "--key-file", paramLabel = "KEY", description = "the repository's key file (default: repository.key_file)")
    Path keyFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE",
            description = "file whose first line is the key file's passphrase (default: repository.passphrase_file)")
    Path passphraseFile;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "local cache of the repository's index (default: $XDG_CACHE_HOME/keepwatch or ~/.cache/keepwatch)")
    Path cacheDir;

    /** Whether the command line asks for the repository (restore uses the backup root otherwise). */
    boolean given() {
        return repo != null || keyFile != null;
    }

    /** Where the repository and its key are, from the command line, else from the config. */
    record Resolved(BlobStore store, Path keyFile, Optional<char[]> passphrase, Optional<Path> cache) {
        Repository open() throws RepoException, IOException {
            return Repository.open(store, keyFile, passphrase, cache);
        }

        /** {@link #open()} without reading the index (push reads it only when it has something to do). */
        Repository openUnindexed() throws RepoException, IOException {
            return Repository.openUnindexed(store, io.keepwatch.repo.KeyFile.read(keyFile, passphrase), keyFile.toString(), cache);
        }
    }

    Resolved resolve(ConfigOption config) throws ConfigException, RepoException, IOException {
        Optional<RepositoryConfig> fromConfig = Optional.empty();
        if (repo == null || repo.isEmpty() || keyFile == null) {
            fromConfig = new ConfigLoader().repository(config.path());
        }
        String url = repo != null && !repo.isEmpty() ? repo : fromConfig.map(RepositoryConfig::url).orElseThrow(() ->
                new RepoException("no repository: give --repo REPO, or a \"repository\": {\"url\": ..., \"key_file\": ...} in "
                        + config.path()));
        Path key = keyFile != null ? keyFile : fromConfig.flatMap(RepositoryConfig::keyFile).orElseThrow(() ->
                new RepoException("no key file: give --key-file KEY, or repository.key_file in " + config.path()));
        // The config's passphrase file goes with the config's key file, not with one named on the command line.
        Optional<Path> pass = passphraseFile != null ? Optional.of(passphraseFile)
                : keyFile == null ? fromConfig.flatMap(RepositoryConfig::passphraseFile) : Optional.empty();
        Optional<char[]> passphrase = pass.isPresent() ? Optional.of(KeyFile.readPassphrase(pass.get())) : Optional.empty();
        return new Resolved(store(url, config, fromConfig), key, passphrase, Optional.of(cacheRoot()));
    }

    /**
     * The store at {@code url}; an {@code s3:} repository takes its settings ({@code repository.s3}) from the
     * config file, or the defaults when there is none.
     */
    /** The store a config's repository entry names, with its {@code s3} settings (for the service's replication). */
    static BlobStore store(RepositoryConfig r) throws RepoException {
        return Stores.open(r.url(), r.s3());
    }

    static BlobStore store(String url, ConfigOption config, Optional<RepositoryConfig> fromConfig) throws ConfigException, RepoException {
        S3Config s3 = S3Config.defaults();
        if (S3Location.isS3(url)) {
            if (fromConfig.isEmpty() && java.nio.file.Files.isRegularFile(config.path())) {
                fromConfig = new ConfigLoader().repository(config.path());
            }
            s3 = fromConfig.map(RepositoryConfig::s3).orElse(s3);
        }
        return Stores.open(url, s3);
    }

    Path cacheRoot() {
        return cacheDir != null ? cacheDir : defaultCacheRoot();
    }

    /** {@code $XDG_CACHE_HOME/keepwatch}, else {@code ~/.cache/keepwatch}. */
    static Path defaultCacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Paths.get(xdg, "keepwatch");
        }
        return Paths.get(System.getProperty("user.home"), ".cache", "keepwatch");
    }

    static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                h = "unknown";
            }
        }
        return h;
    }
}
