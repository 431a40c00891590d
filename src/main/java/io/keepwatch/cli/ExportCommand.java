package io.keepwatch.cli;

import io.keepwatch.archive.Exporter;
import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.repo.KeyFile;
import io.keepwatch.repo.RepoException;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.BackupState;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keepwatch export}: the backup (or one source, or the backup as it was at a moment) into one encrypted archive file. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the backup (every current copy, old version and deleted file) into one encrypted archive file, "
                + "in one pass (--to - writes it to standard output). `keepwatch import` restores it, as files or as a whole backup root.",
                "With a KEY that does not exist yet, a new key file is made there (keep it apart from the archive); "
                        + "an existing key file (a repository's) is used as it is."})
final class ExportCommand implements Callable<Integer> {
    static final String PARTIAL = ".keepwatch-partial";

    @Mixin
    ConfigOption config;

    @Option(names = "--to", required = true, paramLabel = "FILE", description = "the archive to write (refused if it exists), or - for standard output")
    String to;

    @Option(names = "--key-file", required = true, paramLabel = "KEY", description = "the key file: used if it exists, else made")
    Path keyFile;

    @Option(names = "--passphrase-file", paramLabel = "FILE", description = "file whose first line is the key file's passphrase")
    Path passphraseFile;

    @Option(names = "--at", paramLabel = "TIME",
            description = "export the backup as it was at TIME: 2026-11-21T10:15:00 (local time), with an offset (+01:00) or Z")
    String at;

    @Option(names = "--source", paramLabel = "NAME", description = "export only this source")
    String source;

    @Option(names = "--host", paramLabel = "NAME", description = "the host name recorded in the archive's snapshot (default: this host's)")
    String host;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return HandRun.run("export", config, this::export);
    }

    private HandRun.Done export() throws Exception {
        Optional<Instant> when = Optional.empty();
        if (at != null) {
            try {
                when = Optional.of(TimeArg.parse(at, ZoneId.systemDefault()));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--at: " + e.getMessage());
            }
        }
        Config cfg = config.load();
        BackupState state = BackupReader.load(cfg);
        if (source != null && !state.sourceNames().contains(source)) {
            throw new RepoException("the backup holds nothing of source '" + source + "' (it holds: " + String.join(", ", state.sourceNames()) + ")");
        }
        boolean toStdout = to.equals("-");
        Path file = toStdout ? null : Path.of(to).toAbsolutePath();
        if (file != null && Files.exists(file)) {
            throw new RepoException("refusing to write " + file + ": a file is already there; it was left as it is");
        }
        Optional<char[]> pass = passphraseFile == null ? Optional.empty() : Optional.of(KeyFile.readPassphrase(passphraseFile));
        boolean newKey = !Files.exists(keyFile);
        KeyFile.Opened key = newKey ? KeyFile.create(keyFile, pass, KeyFile.DEFAULT_KDF) : KeyFile.read(keyFile, pass);
        Map<String, String> paths = new LinkedHashMap<>();
        for (SourceConfig s : cfg.sources()) {
            paths.put(s.name(), s.path().toString());
        }
        PrintWriter err = spec.commandLine().getErr();
        // With --to -, standard output is the archive: every message goes to standard error.
        PrintWriter msg = toStdout ? err : spec.commandLine().getOut();
        if (newKey) {
            msg.println("Made a new key file " + keyFile + (pass.isPresent() ? " (protected by the passphrase)" : "")
                    + ": the archive cannot be read without it. Keep it apart from the archive.");
        }
        Exporter.Result r;
        if (toStdout) {
            OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
            r = export(state, when, paths, cfg, key, out, "standard output", err);
            out.flush();
        } else {
            r = exportToFile(state, when, paths, cfg, key, file, err);
        }
        r.push().problems().forEach(err::println);
        msg.println("Exported " + (source == null ? "the backup" : "source " + source)
                + when.map(t -> " as of " + BackupReader.local(t)).orElse("") + " to " + (toStdout ? "standard output" : file) + ": "
                + r.objects() + " object(s), " + BackupReader.bytes(r.bytes())
                + (r.push().problems().isEmpty() ? "" : "; " + r.push().problems().size() + " content(s) left out, listed above"));
        msg.flush();
        err.flush();
        return HandRun.Done.of(r.push().problems().isEmpty() ? ExitCodes.OK : ExitCodes.PARTIAL,
                ScheduledJobs.exported("archive " + (toStdout ? "to standard output" : file.toString()), r, ""));
    }

    private Exporter.Result export(BackupState state, Optional<Instant> when, Map<String, String> paths, Config cfg, KeyFile.Opened key,
            OutputStream out, String describe, PrintWriter err) throws IOException, RepoException {
        return Exporter.export(state, Optional.ofNullable(source), when, paths, new BackupLayout(cfg.backupRoot()), key,
                keyFile.toString(), out, describe, Clock.systemUTC(), host != null ? host : RepoOptions.hostName(), LineProgress.create(err));
    }

    /**
     * Writes the archive to {@code FILE.keepwatch-partial} (replacing one a stopped export left), syncs it, and only
     * then gives it its name, so the name never holds a partial archive.
     */
    private Exporter.Result exportToFile(BackupState state, Optional<Instant> when, Map<String, String> paths, Config cfg, KeyFile.Opened key,
            Path file, PrintWriter err) throws IOException, RepoException {
        return writeFile(file, out -> export(state, when, paths, cfg, key, out, file.toString(), err));
    }

    /** Writes an archive to an output stream (not closed). */
    @FunctionalInterface
    interface ArchiveWriter {
        Exporter.Result write(OutputStream out) throws IOException, RepoException;
    }

    /** Writes {@code file} through {@code writer} as described at {@link #exportToFile}; also the scheduled export's. */
    static Exporter.Result writeFile(Path file, ArchiveWriter writer) throws IOException, RepoException {
        Path partial = file.resolveSibling(file.getFileName() + PARTIAL);
        Files.deleteIfExists(partial);
        Exporter.Result r;
        boolean posix = partial.getFileSystem().supportedFileAttributeViews().contains("posix");
        Set<StandardOpenOption> opts = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (FileChannel ch = posix ? FileChannel.open(partial, opts, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : FileChannel.open(partial, opts)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            r = writer.write(out);
            out.flush();
            ch.force(true);
        } catch (IOException | RepoException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        try {
            Files.createLink(file, partial);
            Files.delete(partial);
        } catch (FileAlreadyExistsException e) {
            Files.delete(partial);
            throw new RepoException("refusing to write " + file + ": a file appeared there meanwhile; it was left as it is");
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            Files.move(partial, file);
        }
        return r;
    }
}
