package io.keepwatch.cli;

import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.Repository;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keepwatch key add|passwd}: more key files for a repository, and a key file's passphrase changed. Each
 * key file holds the same master key (plain, or wrapped under its own passphrase), so nothing in the repository
 * changes; the key given is first checked against the repository.
 */
@Command(name = "key", mixinStandardHelpOptions = true, subcommands = {KeyCommand.Add.class, KeyCommand.Passwd.class},
        description = {"Manage a repository's key files: `key add` writes another key file that opens the same repository "
                + "(another passphrase, or a copy for another place); `key passwd` changes a key file's passphrase. "
                + "Neither changes anything in the repository."})
final class KeyCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: `key add` or `key passwd`");
    }

    /** A key file, read once and checked against the repository's config. */
    private record Checked(Path file, KeyFile.Opened key) {
    }

    private static Checked checkedKey(RepoOptions repo, ConfigOption config) throws Exception {
        RepoOptions.Resolved r = repo.resolve(config);
        KeyFile.Opened key = KeyFile.read(r.keyFile(), r.passphrase());
        try (Repository checked = Repository.open(r.store(), key, r.keyFile().toString(), Optional.empty())) {
            return new Checked(r.keyFile(), key);
        }
    }

    private static Optional<char[]> passphrase(Path file) throws Exception {
        return file == null ? Optional.empty() : Optional.of(KeyFile.readPassphrase(file));
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Write a new key file (refused if the file exists) holding the repository's key, "
                    + "protected by --new-passphrase-file if given.")
    static final class Add implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Mixin
        RepoOptions repo;

        @Option(names = "--new-key-file", required = true, paramLabel = "NEW", description = "the key file to write")
        Path newKeyFile;

        @Option(names = "--new-passphrase-file", paramLabel = "FILE", description = "file whose first line is the new key file's passphrase")
        Path newPassphraseFile;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Optional<char[]> pass = passphrase(newPassphraseFile);
            KeyFile.Opened key = checkedKey(repo, config).key();
            KeyFile.write(newKeyFile, key.master(), key.repoId(), pass, KeyFile.DEFAULT_KDF);
            spec.commandLine().getOut().println("Wrote key file " + newKeyFile + " for repository " + key.repoId().substring(0, 8)
                    + (pass.isPresent() ? " (protected by the new passphrase)" : " (not protected by a passphrase)")
                    + "; it opens the repository as the other key files do.");
            return ExitCodes.OK;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true,
            description = "Change the passphrase of the key file (--key-file, with its current --passphrase-file): the key "
                    + "file is rewritten (a new file renamed over it); the repository and other key files are unchanged.")
    static final class Passwd implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Mixin
        RepoOptions repo;

        @ArgGroup(exclusive = true, multiplicity = "1")
        NewPassphrase next;

        static final class NewPassphrase {
            @Option(names = "--new-passphrase-file", paramLabel = "FILE", description = "file whose first line is the new passphrase")
            Path file;

            @Option(names = "--no-passphrase", description = "store the key without a passphrase (anyone who can read the file can open the repository)")
            boolean none;
        }

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            Optional<char[]> pass = passphrase(next.file);
            Checked c = checkedKey(repo, config);
            Path file = c.file();
            KeyFile.replace(file, c.key(), pass, KeyFile.DEFAULT_KDF);
            spec.commandLine().getOut().println("Key file " + file + (pass.isPresent() ? " is now protected by the new passphrase"
                    : " now holds the key without a passphrase") + "; nothing in the repository changed.");
            return ExitCodes.OK;
        }
    }
}
