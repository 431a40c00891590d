package io.keepwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** target/keepwatch-VERSION.tar.gz and .zip: what is in them, and keepwatch run from the unpacked tar.gz. */
class ReleaseArchiveIT {
    static final Set<String> FILES = new TreeSet<>(List.of("bin/keepwatch", "bin/keepwatch.cmd", "lib/keepwatch.jar",
            "conf/config.json", "conf/logback.xml", "systemd/keepwatch.service", "keepwatch.xml", "README.md"));

    static {
        FILES.addAll(Docs.files());
    }

    @TempDir
    Path tmp;

    /** Unpacks the tar.gz with tar, as a user would; returns the keepwatch-VERSION folder. */
    static Path untar(Path into) throws Exception {
        Run r = Run.of(into, "tar", "-xzf", Built.existing(Built.TAR_GZ).toString());
        assertEquals(0, r.exit, r.describe());
        return into.resolve(Built.TOP);
    }

    private static Set<String> regularFiles(Path top) throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> all = Files.walk(top)) {
            all.filter(Files::isRegularFile).forEach(p -> names.add(top.relativize(p).toString()));
        }
        return names;
    }

    @Test
    void tarGzHoldsTheReleaseFilesWithAnExecutableLauncher() throws Exception {
        Path top = untar(tmp);
        assertEquals(FILES, regularFiles(top));
        Set<PosixFilePermission> launcher = Files.getPosixFilePermissions(top.resolve("bin/keepwatch"));
        assertTrue(launcher.containsAll(Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_EXECUTE)), "bin/keepwatch is executable: " + launcher);
    }

    @Test
    void zipHoldsTheSameFilesWithTheSameBytes() throws Exception {
        Path top = untar(tmp);
        Set<String> names = new TreeSet<>();
        try (ZipFile zip = new ZipFile(Built.existing(Built.ZIP).toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                assertTrue(e.getName().startsWith(Built.TOP + "/"), e.getName());
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().substring(Built.TOP.length() + 1);
                names.add(name);
                byte[] bytes = zip.getInputStream(e).readAllBytes();
                assertArrayEquals(Files.readAllBytes(top.resolve(name)), bytes, name);
            }
        }
        assertEquals(FILES, names);
    }

    @Test
    void confLogbackXmlIsTheBuiltInLoggingConfig() throws Exception {
        Path top = untar(tmp);
        byte[] resource = Files.readAllBytes(Path.of("src/main/resources/keepwatch-logback.xml"));
        assertArrayEquals(resource, Files.readAllBytes(top.resolve("conf/logback.xml")));
        try (JarFile jar = new JarFile(top.resolve("lib/keepwatch.jar").toFile())) {
            assertArrayEquals(resource, jar.getInputStream(jar.getEntry("keepwatch-logback.xml")).readAllBytes());
        }
    }

    @Test
    void unitAndServiceFilesAreTheOnesInTheRepository() throws Exception {
        Path top = untar(tmp);
        assertArrayEquals(Files.readAllBytes(Path.of("systemd/keepwatch.service")),
                Files.readAllBytes(top.resolve("systemd/keepwatch.service")));
        assertArrayEquals(Files.readAllBytes(Path.of("README.md")), Files.readAllBytes(top.resolve("README.md")));
        assertEquals(Files.readString(Path.of("winsw/keepwatch.xml")).replace("\r\n", "\n"),
                Files.readString(top.resolve("keepwatch.xml")).replace("\r\n", "\n"));
        assertEquals(Files.readString(Path.of("packaging/bin/keepwatch.cmd")).replace("\r\n", "\n"),
                Files.readString(top.resolve("bin/keepwatch.cmd")).replace("\r\n", "\n"));
    }

    @Test
    void windowsFilesHaveCrLfLineEndingsAndTheShellLauncherHasNone() throws Exception {
        Path top = untar(tmp);
        for (String name : List.of("bin/keepwatch.cmd", "keepwatch.xml")) {
            String text = Files.readString(top.resolve(name));
            assertEquals(text.split("\n", -1).length, text.split("\r\n", -1).length, name + ": every line ends in CRLF");
        }
        assertFalse(Files.readString(top.resolve("bin/keepwatch")).contains("\r"));
    }

    @Test
    void theExampleConfigUsesAbsolutePathsAndIsRefusedUntilItsSourceExists() throws Exception {
        Path top = untar(tmp);
        JsonNode config = new ObjectMapper().readTree(top.resolve("conf/config.json").toFile());
        List<String> paths = new ArrayList<>();
        config.get("sources").forEach(s -> paths.add(s.isTextual() ? s.asText() : s.get("path").asText()));
        paths.add(config.get("backup_root").asText());
        paths.add(config.get("log_dir").asText());
        paths.forEach(p -> assertTrue(p.startsWith("/"), "absolute: " + p));

        Run r = Run.of(tmp, top.resolve("bin/keepwatch").toString(), "check-config", "-c", "conf/config.json");
        // Relative to the working directory, as a user types it.
        Run fromTop = Run.of(top, "bin/keepwatch", "check-config", "-c", "conf/config.json");
        assertEquals(78, fromTop.exit, fromTop.describe());
        assertEquals("keepwatch: " + top.toRealPath().resolve("conf/config.json")
                + ": 'sources[0]' source folder '/srv/documents' does not exist", fromTop.lastErrLine(), fromTop.describe());
        assertEquals(78, r.exit, r.describe());
    }

    /** A source folder, a backup root and a log folder under {@code base}, and a config naming them. */
    static Path config(Path base, String extra) throws IOException {
        Path src = Files.createDirectories(base.resolve("documents"));
        Files.writeString(src.resolve("plain.txt"), "plain\n");
        Files.writeString(Files.createDirectories(src.resolve("sub")).resolve("café ünïcode €.txt"), "unicode name\n");
        Path cfg = base.resolve("config.json");
        Files.writeString(cfg, "{\n"
                + "  \"sources\": [\"" + src + "\"],\n"
                + "  \"backup_root\": \"" + base.resolve("backup") + "\",\n"
                + "  \"log_dir\": \"" + base.resolve("logs") + "\"" + extra + "\n"
                + "}\n");
        return cfg;
    }

    @Test
    void onceThroughSymlinksToTheLauncherBacksUpAndWritesTheLogFileInLogDir() throws Exception {
        Path top = untar(tmp);
        Path cfg = config(tmp, "");
        // /usr/bin/keepwatch -> /opt/keepwatch/bin/keepwatch, and a relative link to that link.
        Path usrBin = Files.createDirectories(tmp.resolve("usr/bin"));
        Files.createSymbolicLink(usrBin.resolve("keepwatch"), top.resolve("bin/keepwatch").toAbsolutePath());
        Path other = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(other.resolve("kw"), Path.of("../usr/bin/keepwatch"));

        // A service often starts without a locale: names must survive anyway (-Dsun.jnu.encoding=UTF-8).
        Map<String, String> env = new HashMap<>();
        env.put("LANG", null);
        env.put("LC_ALL", null);
        env.put("LC_CTYPE", null);
        env.put("JAVA_HOME", System.getProperty("java.home"));
        Run r = Run.of(Path.of("/"), env, other.resolve("kw").toString(), "once", "-c", cfg.toString());

        assertEquals(0, r.exit, r.describe());
        Path backup = tmp.resolve("backup/documents");
        assertEquals("plain\n", Files.readString(backup.resolve("plain.txt")));
        assertEquals("unicode name\n", Files.readString(backup.resolve("sub/café ünïcode €.txt")));
        Path log = tmp.resolve("logs/keepwatch.log");
        assertTrue(Files.isRegularFile(log), "the log file is in log_dir: " + r.describe());
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        String unicodeSource = tmp.resolve("documents/sub/café ünïcode €.txt").toString();
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("INFO  [main] BACKUP: " + unicodeSource
                + " → documents/sub/café ünïcode €.txt")), String.join("\n", lines));
        assertTrue(lines.get(lines.size() - 1).contains("Run complete: 2 backed up"), String.join("\n", lines));
    }

    /**
     * Where libcrypto is installed the launcher runs once on C1 alone, and a first backup runs itself again with both
     * compilers: -XX:+PrintCommandLineFlags makes each JVM print its flags, so the first once prints two lines (the
     * launcher's JVM with -XX:TieredStopAtLevel=1, its child without) and the second one line, with it.
     */
    @Test
    void aFirstOnceRunsAgainWithBothCompilersAndALaterOneStaysOnC1() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(LauncherFlags.libcryptoInLinkerCache(),
                "the launcher keeps both compilers where libcrypto.so.3 is not installed");
        Path top = untar(tmp);
        Path cfg = config(tmp, "");
        Map<String, String> env = Map.of("KEEPWATCH_OPTS", "-XX:+PrintCommandLineFlags");
        Run first = Run.of(tmp, env, top.resolve("bin/keepwatch").toString(), "once", "-c", cfg.toString());
        assertEquals(0, first.exit, first.describe());
        assertEquals("plain\n", Files.readString(tmp.resolve("backup/documents/plain.txt")));
        List<String> flags = first.out.lines().filter(l -> l.startsWith("-XX:")).toList();
        assertEquals(2, flags.size(), first.describe());
        assertTrue(flags.get(0).contains("-XX:TieredStopAtLevel=1"), flags.get(0));
        assertFalse(flags.get(1).contains("TieredStopAtLevel"), flags.get(1));

        Files.writeString(tmp.resolve("documents/plain.txt"), "edited\n");
        Run second = Run.of(tmp, env, top.resolve("bin/keepwatch").toString(), "once", "-c", cfg.toString());
        assertEquals(0, second.exit, second.describe());
        assertEquals("edited\n", Files.readString(tmp.resolve("backup/documents/plain.txt")));
        List<String> again = second.out.lines().filter(l -> l.startsWith("-XX:")).toList();
        assertEquals(1, again.size(), second.describe());
        assertTrue(again.get(0).contains("-XX:TieredStopAtLevel=1"), again.get(0));
    }

    /**
     * SIGKILL of a first once (the JVM the user started) ends the child JVM it runs the backup in too (the child asked
     * the kernel for a TERM when its parent ends): no backup goes on by itself, and the next once completes it.
     */
    @Test
    void aSigkilledFirstOnceLeavesNoBackupRunningAndTheNextOneCompletesIt() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(LauncherFlags.libcryptoInLinkerCache(),
                "the launcher keeps both compilers (and one JVM) where libcrypto.so.3 is not installed");
        Path top = untar(tmp);
        Path cfg = config(tmp, "");
        int files = 60_000; // a backup of seconds, not one that ends before the kill reaches its JVM
        for (int d = 0; d < files / 100; d++) {
            Path dir = Files.createDirectories(tmp.resolve("documents/many/d" + d));
            for (int f = 0; f < 100; f++) {
                Files.writeString(dir.resolve("f" + f), d + "/" + f + "\n");
            }
        }
        // The launcher's first start trains its class-data archive with JVMs of its own: done here, so that the JVM's
        // only child below is the one the first once starts.
        Run version = Run.of(tmp, top.resolve("bin/keepwatch").toString(), "--version");
        assertEquals(0, version.exit, version.describe());
        Process first = new ProcessBuilder(top.resolve("bin/keepwatch").toString(), "once", "-c", cfg.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("first.out").toFile()).start();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        Path log = tmp.resolve("logs/keepwatch.log");
        Optional<ProcessHandle> child = Optional.empty();
        // The parent logs nothing: the log's first line is the child's, once it runs (not while it is still the
        // JDK's spawn helper, which would end with its parent anyway).
        while ((child.isEmpty() || !Files.exists(log) || !Files.readString(log).contains("keepwatch once: 1 source(s)"))
                && first.isAlive() && System.nanoTime() < deadline) {
            child = first.toHandle().children().findFirst();
            Thread.sleep(20); // polling for the child and its first log line, with the deadline above
        }
        assertTrue(child.isPresent() && Files.exists(log), "the first once's child JVM runs: " + Files.readString(tmp.resolve("first.out")));
        first.destroyForcibly(); // SIGKILL: no shutdown hook runs in the parent
        assertTrue(child.get().onExit().get(60, java.util.concurrent.TimeUnit.SECONDS) != null && !child.get().isAlive(),
                "the child JVM ended");
        String firstLog = Files.readString(log);
        assertFalse(firstLog.contains("Run complete"), "the child stopped with its parent instead of finishing alone: " + firstLog);

        Run next = Run.of(tmp, top.resolve("bin/keepwatch").toString(), "once", "-c", cfg.toString());
        assertEquals(0, next.exit, next.describe());
        try (Stream<Path> copies = Files.list(tmp.resolve("backup/documents/many"))) {
            assertEquals(files / 100, copies.count());
        }
        assertEquals("299/99\n", Files.readString(tmp.resolve("backup/documents/many/d299/f99")));
    }

    @Test
    void editingConfLogbackXmlChangesTheLogWithoutRebuilding() throws Exception {
        Path top = untar(tmp);
        Path logback = top.resolve("conf/logback.xml");
        String original = Files.readString(logback);
        String fileLayout = "<pattern>%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %msg%n</pattern>";
        assertTrue(original.contains(fileLayout), original);
        Files.writeString(logback, original.replace(fileLayout, "<pattern>EDITED %-5level %msg%n</pattern>"));
        Path cfg = config(tmp, "");

        Run r = Run.of(tmp, top.resolve("bin/keepwatch").toString(), "once", "-c", cfg.toString());

        assertEquals(0, r.exit, r.describe());
        List<String> lines = Files.readAllLines(tmp.resolve("logs/keepwatch.log"));
        assertFalse(lines.isEmpty());
        lines.forEach(l -> assertTrue(l.startsWith("EDITED INFO  "), l));
        assertTrue(lines.contains("EDITED INFO  BACKUP: " + tmp.resolve("documents/plain.txt") + " → documents/plain.txt"),
                String.join("\n", lines));
    }

    /** JAVA_OPTS and KEEPWATCH_OPTS reach the JVM after the launcher's own flags, so they can override them. */
    @ParameterizedTest
    @ValueSource(strings = {"JAVA_OPTS", "KEEPWATCH_OPTS"})
    void extraJvmOptionsReachTheJvmAndOverrideTheDefaults(String variable) throws Exception {
        Path top = untar(tmp);
        Path custom = tmp.resolve("my-logback.xml");
        Files.writeString(custom, Files.readString(top.resolve("conf/logback.xml"))
                .replace("${LOG_DIR}/keepwatch.log", "${LOG_DIR}/custom.log"));
        Path cfg = config(tmp, "");

        Run r = Run.of(tmp, Map.of(variable, "-Dkeepwatch.logback=" + custom),
                top.resolve("bin/keepwatch").toString(), "once", "-c", cfg.toString());

        assertEquals(0, r.exit, r.describe());
        assertFalse(Files.exists(tmp.resolve("logs/keepwatch.log")));
        assertTrue(Files.readString(tmp.resolve("logs/custom.log")).contains("BACKUP: " + tmp.resolve("documents/plain.txt")));
    }

    /** journald stamps every line itself: under systemd (INVOCATION_ID set) the console lines carry no time. */
    @Test
    void consoleLinesHaveNoTimestampUnderSystemdAndOneOtherwise() throws Exception {
        Path top = untar(tmp);
        Path cfg = config(tmp, "");
        String launcher = top.resolve("bin/keepwatch").toString();

        Run service = Run.of(tmp, Map.of("INVOCATION_ID", "0123456789abcdef0123456789abcdef"), launcher, "once", "-c",
                cfg.toString());
        Run byHand = Run.of(tmp, launcher, "once", "-c", cfg.toString());

        assertEquals(0, service.exit, service.describe());
        assertTrue(service.err.startsWith("INFO  keepwatch once: 1 source(s) into " + tmp.resolve("backup") + "\n"),
                service.describe());
        assertEquals(0, byHand.exit, byHand.describe());
        assertTrue(byHand.err.matches("(?s)\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  keepwatch once: .*"), byHand.describe());
        // The log file has full timestamps either way.
        Files.readAllLines(tmp.resolve("logs/keepwatch.log"))
                .forEach(l -> assertTrue(l.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"), l));
    }

    @Test
    void versionNamesTheRelease() throws Exception {
        Path top = untar(tmp);
        Run r = Run.of(tmp, top.resolve("bin/keepwatch").toString(), "--version");
        assertEquals(0, r.exit, r.describe());
        assertEquals("keepwatch " + Built.VERSION + "\n", r.out);
    }

    @Test
    void aWrongJavaHomeIsReportedByTheLauncher() throws Exception {
        Path top = untar(tmp);
        Run r = Run.of(tmp, Map.of("JAVA_HOME", "/nonexistent/jdk"), top.resolve("bin/keepwatch").toString(), "--version");
        assertEquals(1, r.exit, r.describe());
        assertEquals("keepwatch: JAVA_HOME is /nonexistent/jdk, but /nonexistent/jdk/bin/java is not an executable file",
                r.lastErrLine());
    }

    @Test
    void aConfigErrorExits78WithTheErrorAsTheLastLine() throws Exception {
        Path top = untar(tmp);
        Path cfg = config(tmp, ",\n  \"retenion\": {}");

        Run r = Run.of(tmp, top.resolve("bin/keepwatch").toString(), "once", "-c", cfg.toString());

        assertEquals(78, r.exit, r.describe());
        assertEquals("keepwatch: " + cfg + ": unknown key 'retenion'; did you mean 'retention'?", r.lastErrLine());
        assertFalse(Files.exists(tmp.resolve("backup")), "nothing was written");
    }
}
