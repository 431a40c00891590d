package io.keepwatch.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import io.keepwatch.fs.Modes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/**
 * Points logging at {@code log_dir} before the first line is logged: {@code <log_dir>/keepwatch.log}
 * (a stable name for {@code tail -F}, rolled by size and day, gzipped) plus the console (stderr). Under
 * systemd the console lines carry no timestamp (journald adds its own). The log folder and keepwatch.log are
 * owner-only ({@link #makePrivate}, {@link OwnerOnlyFileAppender}). A {@code logback.xml} named by
 * {@code -Dkeepwatch.logback=FILE} (the packaged {@code conf/logback.xml}) replaces the built-in one.
 */
final class LogSetup {
    private LogSetup() {
    }

    /** Appends a configuration error to the existing log in {@code logDir}; a failure to do so only goes to stderr. */
    static void configError(Path logDir, Exception error) {
        try {
            toFile(logDir);
            LoggerFactory.getLogger(LogSetup.class).error("Configuration error, exiting with 78 (fix the file and start again): {}",
                    error.getMessage());
        } catch (IOException e) {
            System.err.println("keepwatch: could not also write the error to the log in " + logDir + ": " + e.getMessage());
        }
    }

    /** Whether {@link #toFile} has pointed logging at a log file (once, run, rebuild-state). */
    private static volatile boolean toFile;

    /**
     * An error that stops the command, for the log file (stderr gets it from {@link Main}); nothing if this
     * command does not log to a file. A configuration error is logged by {@link #configError} instead.
     */
    static void fatal(Throwable error, int exitCode) {
        if (toFile && !(error instanceof io.keepwatch.config.ConfigException)) {
            LoggerFactory.getLogger("keepwatch.fatal").error("Stopped by an error (exit {}): {}", exitCode,
                    error.getMessage() == null ? error.toString() : error.getMessage());
        }
    }

    /**
     * Binds SLF4J to logback now, on this thread, before work that logs starts on threads of its own: while SLF4J
     * is being bound, {@code LoggerFactory.getILoggerFactory()} on another thread returns a stand-in factory, and
     * {@link #toFile} would fail on it (seen when a trial started the service's watch registration first).
     */
    static void bind() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext)) {
            throw new IllegalStateException("SLF4J is not bound to logback: " + LoggerFactory.getILoggerFactory().getClass());
        }
    }

    static void toFile(Path logDir) throws IOException {
        boolean privateFolder = makePrivate(logDir);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        ctx.reset();
        ctx.putProperty("LOG_DIR", logDir.toAbsolutePath().toString());
        boolean journald = System.getenv("JOURNAL_STREAM") != null || System.getenv("INVOCATION_ID") != null;
        String consolePattern = journald ? "%-5level %msg%n" : "%d{HH:mm:ss.SSS} %-5level %msg%n";
        ctx.putProperty("CONSOLE_PATTERN", consolePattern);
        String external = System.getProperty("keepwatch.logback");
        if (external == null || external.isBlank() || isBuiltIn(Path.of(external))) {
            LogConfigs.toFile(ctx, logDir.toAbsolutePath(), consolePattern);
        } else {
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(ctx);
            try {
                configurator.doConfigure(external);
            } catch (JoranException e) {
                throw new IOException("cannot configure logging: " + e.getMessage(), e);
            }
        }
        for (Status s : ctx.getStatusManager().getCopyOfStatusList()) {
            if (s.getLevel() == Status.ERROR) {
                throw new IOException("cannot write the log in " + logDir + ": " + s.getMessage()
                        + (s.getThrowable() == null ? "" : " (" + s.getThrowable() + ")"));
            }
        }
        toFile = true;
        if (!privateFolder) {
            LoggerFactory.getLogger(LogSetup.class).warn("The log folder {} is open to other users and holds files that are not "
                    + "keepwatch's, so keepwatch leaves its mode alone: keepwatch.log is owner-only, but rolled logs are made with "
                    + "the process's umask; give keepwatch a log_dir of its own, or make {} owner-only (chmod 700)", logDir, logDir);
        }
    }

    /**
     * Makes the log folder owner-only ({@code 0700}): a new one from its creation, an existing one that holds nothing
     * but keepwatch's logs ({@code keepwatch.*}) by taking the group and other bits off. A folder that holds other
     * files too (a log_dir shared with other programs) is left as it is. Returns false only for such a folder that
     * others can read or enter: logback makes the rolled logs with the umask's mode, so they are then not private.
     */
    static boolean makePrivate(Path logDir) throws IOException {
        if (!Files.isDirectory(logDir)) {
            Modes.createFolders(logDir);
            return true;
        }
        Optional<PosixFileAttributes> attrs = Modes.attributes(logDir, true);
        if (attrs.isEmpty() || attrs.get().permissions().stream().allMatch(p -> p.name().startsWith("OWNER_"))) {
            return true;
        }
        try (Stream<Path> entries = Files.list(logDir)) {
            if (entries.allMatch(p -> p.getFileName().toString().startsWith("keepwatch."))) {
                Modes.restrict(logDir.toRealPath());
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code file} is byte for byte the built-in setup (the packaged {@code conf/logback.xml} as
     * shipped): then {@link LogConfigs#toFile} makes the same setup without reading XML. An edited file, or
     * one that cannot be read, goes to logback's reader, which reports what is wrong with it.
     */
    static boolean isBuiltIn(Path file) {
        try (InputStream in = LogSetup.class.getResourceAsStream(BUILT_IN)) {
            return in != null && Arrays.equals(in.readAllBytes(), Files.readAllBytes(file));
        } catch (IOException e) {
            return false;
        }
    }

    /** The written form of {@link LogConfigs#toFile}, shipped as {@code conf/logback.xml}. */
    static final String BUILT_IN = "/keepwatch-logback.xml";
}
