package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy;
import ch.qos.logback.core.rolling.TimeBasedRollingPolicy;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The logging setup made in code is the one keepwatch-logback.xml (shipped as conf/logback.xml) writes down. */
class LogConfigsTest {
    @TempDir
    Path tmp;

    @Test
    void theBuiltInSetupIsWhatTheShippedXmlSays() throws Exception {
        String consolePattern = "%d{HH:mm:ss.SSS} %-5level %msg%n";
        LoggerContext fromXml = new LoggerContext();
        fromXml.putProperty("LOG_DIR", tmp.toString());
        fromXml.putProperty("CONSOLE_PATTERN", consolePattern);
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(fromXml);
        joran.doConfigure(LogSetup.class.getResource(LogSetup.BUILT_IN));

        LoggerContext inCode = new LoggerContext();
        LogConfigs.toFile(inCode, tmp, consolePattern);

        String expected = describe(fromXml);
        assertTrue(expected.contains("keepwatch.%d{yyyy-MM-dd}.%i.log.gz") && expected.contains("maxHistory=30"), expected);
        assertEquals(expected, describe(inCode));
        fromXml.stop();
        inCode.stop();
    }

    /** A file name holding a newline (or bytes that are not UTF-8) stays on its line, in both setups. */
    @Test
    void aNameCannotForgeALogLine() throws Exception {
        String name = "a\n2026-01-01 00:00:00.000 ERROR [main] forged\uDCFF\\";
        for (boolean xml : new boolean[] {false, true}) {
            Path dir = Files.createDirectories(tmp.resolve(xml ? "xml" : "code")); // as LogSetup makes it
            LoggerContext ctx = new LoggerContext();
            ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
            if (xml) {
                ctx.putProperty("LOG_DIR", dir.toString());
                ctx.putProperty("CONSOLE_PATTERN", "%msg%n");
                JoranConfigurator joran = new JoranConfigurator();
                joran.setContext(ctx);
                joran.doConfigure(LogSetup.class.getResource(LogSetup.BUILT_IN));
            } else {
                LogConfigs.toFile(ctx, dir, "%msg%n");
            }
            ctx.getLogger("t").info("BACKUP: {} done", name);
            ctx.stop();
            List<String> lines = Files.readAllLines(dir.resolve("keepwatch.log"));
            assertEquals(1, lines.size(), lines::toString);
            assertTrue(lines.get(0).endsWith(" INFO  [main] BACKUP: a\\n2026-01-01 00:00:00.000 ERROR [main] forged\\xff\\\\ done"), lines.get(0));
        }
    }

    @Test
    void theShippedXmlIsRecognisedAsTheBuiltInSetup() throws Exception {
        Path shipped = tmp.resolve("logback.xml");
        try (var in = LogSetup.class.getResourceAsStream(LogSetup.BUILT_IN)) {
            Files.write(shipped, in.readAllBytes());
        }
        assertTrue(LogSetup.isBuiltIn(shipped));
        Files.writeString(shipped, Files.readString(shipped).replace("<maxHistory>30</maxHistory>", "<maxHistory>7</maxHistory>"));
        assertEquals(false, LogSetup.isBuiltIn(shipped), "an edited file is read as XML");
        assertEquals(false, LogSetup.isBuiltIn(tmp.resolve("missing.xml")));
    }

    @Test
    void theLogFileIsOwnerOnlyWhateverTheUmask() throws Exception {
        LoggerContext ctx = new LoggerContext();
        ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
        LogConfigs.toFile(ctx, tmp, "%msg%n");
        ctx.getLogger("x").info("BACKUP: /home/ann/private/plans.txt");
        ctx.stop();
        assertTrue(Files.readString(tmp.resolve("keepwatch.log")).contains("plans.txt"));
        assertEquals("rw-------", mode(tmp.resolve("keepwatch.log")));

        // A log left 0644 by an earlier version is made owner-only when it is opened again.
        Files.setPosixFilePermissions(tmp.resolve("keepwatch.log"), PosixFilePermissions.fromString("rw-r--r--"));
        LoggerContext again = new LoggerContext();
        LogConfigs.toFile(again, tmp, "%msg%n");
        again.stop();
        assertEquals("rw-------", mode(tmp.resolve("keepwatch.log")));

        // A log folder removed while keepwatch runs is made again, owner-only, when the log is opened next.
        Path gone = tmp.resolve("gone");
        LoggerContext third = new LoggerContext();
        LogConfigs.toFile(third, gone, "%msg%n");
        third.stop();
        assertEquals("rwx------", mode(gone));
        assertEquals("rw-------", mode(gone.resolve("keepwatch.log")));
    }

    @Test
    void theLogFolderIsOwnerOnlyUnlessItIsSharedWithOtherFiles() throws Exception {
        Path made = tmp.resolve("new/logs");
        assertTrue(LogSetup.makePrivate(made));
        assertEquals("rwx------", mode(made), "made by keepwatch");

        Path ours = Files.createDirectory(tmp.resolve("ours"));
        Files.setPosixFilePermissions(ours, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(ours.resolve("keepwatch.log"), "");
        Files.writeString(ours.resolve("keepwatch.2026-01-01.0.log.gz"), "");
        assertTrue(LogSetup.makePrivate(ours));
        assertEquals("rwx------", mode(ours), "holds nothing but keepwatch's logs");

        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(shared.resolve("syslog"), "");
        assertEquals(false, LogSetup.makePrivate(shared), "others' files: keepwatch says so rather than change it");
        assertEquals("rwxr-xr-x", mode(shared));
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** Levels, additivity and appenders of every configured logger, with what each appender writes where. */
    private static String describe(LoggerContext ctx) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        Object rules = ctx.getObject(ch.qos.logback.core.CoreConstants.PATTERN_RULE_REGISTRY);
        out.put("(conversion rules)", rules == null ? "none" : new TreeMap<>((java.util.Map<?, ?>) rules).toString());
        for (Logger logger : ctx.getLoggerList()) {
            List<String> appenders = new ArrayList<>();
            for (Iterator<Appender<ILoggingEvent>> it = logger.iteratorForAppenders(); it.hasNext(); ) {
                appenders.add(appender(it.next()));
            }
            if (logger.getLevel() != null || !appenders.isEmpty()) {
                out.put(logger.getName(), logger.getLevel() + " additive=" + logger.isAdditive() + " " + appenders);
            }
        }
        return out.toString();
    }

    private static String appender(Appender<ILoggingEvent> a) throws Exception {
        StringBuilder s = new StringBuilder(a.getName() + ":" + a.getClass().getSimpleName() + " started=" + a.isStarted());
        if (a instanceof OutputStreamAppender<ILoggingEvent> o) {
            s.append(" pattern=").append(((PatternLayoutEncoder) o.getEncoder()).getPattern());
        }
        if (a instanceof ConsoleAppender<ILoggingEvent> c) {
            s.append(" target=").append(c.getTarget());
        }
        if (a instanceof RollingFileAppender<ILoggingEvent> r) {
            SizeAndTimeBasedRollingPolicy<?> p = (SizeAndTimeBasedRollingPolicy<?>) r.getRollingPolicy();
            s.append(" file=").append(r.getFile()).append(" rolled=").append(p.getFileNamePattern())
                    .append(" maxHistory=").append(p.getMaxHistory())
                    .append(" maxFileSize=").append(field(SizeAndTimeBasedRollingPolicy.class, "maxFileSize", p))
                    .append(" totalSizeCap=").append(field(TimeBasedRollingPolicy.class, "totalSizeCap", p))
                    .append(" policyStarted=").append(p.isStarted());
        }
        return s.toString();
    }

    private static Object field(Class<?> owner, String name, Object target) throws Exception {
        Field f = owner.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
    }
}
