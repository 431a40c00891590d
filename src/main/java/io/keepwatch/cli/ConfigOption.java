package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.config.ConfigException;
import io.keepwatch.config.ConfigLoader;
import java.nio.file.Path;
import java.nio.file.Paths;
import picocli.CommandLine.Option;

/** The {@code -c/--config} option every command shares: default {@code $KEEPWATCH_CONFIG}, else ./config.json. */
public final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "config file (default: $KEEPWATCH_CONFIG, else ./config.json)")
    private Path config;

    public Path path() {
        if (config != null) {
            return config;
        }
        String env = System.getenv("KEEPWATCH_CONFIG");
        return Paths.get(env != null && !env.isBlank() ? env : "config.json");
    }

    public Config load() throws ConfigException {
        return new ConfigLoader().load(path());
    }

    /**
     * For commands that log to a file (once, run, rebuild-state): a configuration error also becomes the
     * last line of the log file, if that log folder already exists (nothing is created for a broken config),
     * so someone tailing the log after a restart sees why the service stopped.
     */
    public Config loadLogged() throws ConfigException {
        return loadLoggedWithDigest().config();
    }

    /** {@link #loadLogged()}, with the SHA-256 of the bytes it was read from (for the service's status file). */
    public ConfigLoader.Loaded loadLoggedWithDigest() throws ConfigException {
        try {
            return new ConfigLoader().loadWithDigest(path());
        } catch (ConfigException e) {
            new ConfigLoader().logDirHint(path()).filter(java.nio.file.Files::isDirectory)
                    .ifPresent(dir -> LogSetup.configError(dir, e));
            throw e;
        }
    }
}
