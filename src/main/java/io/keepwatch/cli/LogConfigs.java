package io.keepwatch.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.util.FileSize;
import java.nio.file.Path;

/**
 * keepwatch's two built-in logging setups, made in code rather than read from XML: logback's XML reader
 * (Joran) spends about a tenth of a second of a command's start-up on them, more than a no-change pass over
 * 20,000 files takes. {@code keepwatch-logback.xml} stays the written form of {@link #toFile} (it is shipped as
 * {@code conf/logback.xml} for editing), and {@code LogConfigsTest} checks that the two set up the same thing.
 */
final class LogConfigs {
    static final String FILE_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %msg%n";

    private LogConfigs() {
    }

    /**
     * Before a command knows {@code log_dir}: console (stderr) only, INFO. Found by logback through
     * {@code META-INF/services}; a {@code logback-test.xml} on the class path (the tests') goes first.
     */
    public static final class ConsoleOnly extends ContextAwareBase implements Configurator {
        @Override
        public ExecutionStatus configure(LoggerContext ctx) {
            if (ConsoleOnly.class.getClassLoader().getResource("logback-test.xml") != null) {
                return ExecutionStatus.INVOKE_NEXT_IF_ANY;
            }
            EscapedMessage.register(ctx);
            Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
            root.setLevel(Level.INFO);
            root.addAppender(console(ctx, "%-5level %msg%n"));
            return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
        }
    }

    /**
     * What {@code keepwatch-logback.xml} says: {@code <logDir>/keepwatch.log}, rolled by day and at 10 MB into
     * gzipped files kept 30 days and 1 GB in all (keepwatch.log created owner-only), plus the console; {@code keepwatch.fatal}
     * to the file only; messages escaped by {@link EscapedMessage}.
     */
    static void toFile(LoggerContext ctx, Path logDir, String consolePattern) {
        EscapedMessage.register(ctx);
        RollingFileAppender<ILoggingEvent> file = new OwnerOnlyFileAppender<>();
        file.setContext(ctx);
        file.setName("FILE");
        file.setFile(logDir.resolve("keepwatch.log").toString());
        SizeAndTimeBasedRollingPolicy<ILoggingEvent> rolling = new SizeAndTimeBasedRollingPolicy<>();
        rolling.setContext(ctx);
        rolling.setParent(file);
        rolling.setFileNamePattern(logDir.resolve("keepwatch.%d{yyyy-MM-dd}.%i.log.gz").toString());
        rolling.setMaxFileSize(FileSize.valueOf("10MB"));
        rolling.setMaxHistory(30);
        rolling.setTotalSizeCap(FileSize.valueOf("1GB"));
        rolling.start();
        file.setRollingPolicy(rolling);
        file.setEncoder(encoder(ctx, FILE_PATTERN));
        file.start();

        Logger fatal = ctx.getLogger("keepwatch.fatal");
        fatal.setLevel(Level.ERROR);
        fatal.setAdditive(false);
        fatal.addAppender(file);
        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console(ctx, consolePattern));
        root.addAppender(file);
    }

    private static ConsoleAppender<ILoggingEvent> console(LoggerContext ctx, String pattern) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(ctx);
        console.setName("CONSOLE");
        console.setTarget("System.err");
        console.setEncoder(encoder(ctx, pattern));
        console.start();
        return console;
    }

    private static PatternLayoutEncoder encoder(LoggerContext ctx, String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }
}
