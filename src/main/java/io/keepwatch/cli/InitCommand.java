package io.keepwatch.cli;

import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.Repository;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code keepwatch init}: a new, empty repository and its first key file. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Create an encrypted repository (a folder on another disk, a NAS mount) and a key file for it.",
                "Refuses a repository folder that is not empty and an existing key file. Keep the key file apart from the "
                        + "repository: without it nothing in the repository can be read."})
final class InitCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Mixin
    RepoOptions repo;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        RepoOptions.Resolved r = repo.resolve(config);
        String id = Repository.init(r.store(), r.keyFile(), r.passphrase(), KeyFile.DEFAULT_KDF);
        spec.commandLine().getOut().println("Created repository " + id.substring(0, 8) + " in " + r.store().describe()
                + "; its key is in " + r.keyFile() + (r.passphrase().isPresent() ? " (protected by the passphrase)" : "")
                + ". Keep a copy of the key file somewhere safe: without it the repository cannot be read.");
        return ExitCodes.OK;
    }
}
