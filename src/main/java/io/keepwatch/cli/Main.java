package io.keepwatch.cli;

import io.keepwatch.config.ConfigLoader;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code keepwatch} command: one subcommand class per command, one exit-code mapping ({@link ExitCodes}). */
@Command(name = "keepwatch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Keeps a current copy, every old version and every deleted file of the folders you name.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:failure (nothing could be done)", "2:partial (some files or sources were skipped; see the log)",
                "3:status: a source is UNAVAILABLE", "4:status: the service is not running (or its status is stale)",
                "64:wrong command line", "78:invalid configuration (nothing was written)",
                "143:run: stopped by SIGTERM after saving the state (130 for Ctrl+C)"})
public final class Main implements Runnable {
    /** Every command, in the order {@code --help} lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            RunCommand.class, StatusCommand.class, OnceCommand.class, AcceptDeletionsCommand.class,
            CheckConfigCommand.class, RebuildStateCommand.class, VersionsCommand.class, RestoreCommand.class,
            VerifyCommand.class, PruneCommand.class, HistoryCommand.class, NotifyCommand.class, InitCommand.class,
            PushCommand.class, CheckCommand.class, ExportCommand.class, ImportCommand.class, KeyCommand.class,
            CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. `keepwatch once -c config.json`");
    }

    public static void main(String[] args) {
        // Every command but --help reads a config file. Loading Jackson for it takes about as long as picocli takes
        // to read the command line, on one core: the second core does it meanwhile. The thread only loads and
        // initialises classes (nothing logs, nothing is read from disk); a command that gets to its config first
        // waits for the class initialisation in progress, as the JVM has every thread do.
        Thread warmUp = new Thread(ConfigLoader::warmUp, "keepwatch-warmup");
        warmUp.setDaemon(true);
        warmUp.start();
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this; only {@link #main} exits). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> command : commandsFor(args)) {
            cl.addSubcommand(command);
        }
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(ExitCodes::forException);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("keepwatch: " + io.keepwatch.fs.NameText.escape(ex.getMessage()));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, c.getErr())) {
                c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            }
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("keepwatch: " + io.keepwatch.fs.NameText.escape(ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", ex);
            int code = ExitCodes.forException(ex);
            LogSetup.fatal(ex, code);
            return code;
        });
        return cl.execute(args);
    }

    /**
     * The commands picocli is given: only the one the command line names first, when it names one; all of them
     * otherwise (no command, an option first, {@code help}, a misspelt name that gets suggestions). Picocli reads
     * every option of every command it is given before it parses anything, on the critical path of every start: with
     * 18 commands that was about a tenth of a second of a no-change {@code once} (JFR samples, issue 13), growing with
     * each new command. A command line that names its command needs that one only; it parses and prints the same.
     */
    static List<Class<?>> commandsFor(String... args) {
        if (args.length > 0) {
            for (Class<?> c : COMMANDS) {
                Command named = c.getAnnotation(Command.class);
                if (c != CommandLine.HelpCommand.class
                        && (named.name().equals(args[0]) || Arrays.asList(named.aliases()).contains(args[0]))) {
                    return List.of(c);
                }
            }
        }
        return COMMANDS;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"keepwatch " + (v == null ? "(development build)" : v)};
        }
    }
}
