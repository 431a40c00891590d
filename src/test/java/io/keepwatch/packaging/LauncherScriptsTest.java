package io.keepwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two launchers pass the same JVM flags, and each passes them before the user's options; the collector depends on the command. */
class LauncherScriptsTest {

    @Test
    void bothLaunchersUseTheSameJvmFlags() throws Exception {
        assertEquals(LauncherFlags.EXPECTED, LauncherFlags.fromShellLauncher());
        assertEquals(LauncherFlags.EXPECTED, LauncherFlags.fromCmdLauncher());
    }

    @Test
    void theCmdLauncherPassesTheLogbackFileAndUserOptionsLast() throws Exception {
        String cmd = Files.readString(LauncherFlags.CMD, StandardCharsets.UTF_8);
        assertTrue(cmd.contains("\"%JAVACMD%\" %DEFAULT_JVM_OPTS% %GC_OPTS% %JIT_OPTS% \"-Dkeepwatch.logback=%APP_HOME%\\conf\\logback.xml\""
                + " %JAVA_OPTS% %KEEPWATCH_OPTS% -jar \"%APP_HOME%\\lib\\keepwatch.jar\" %*"), cmd);
        assertTrue(cmd.contains("set \"JAVACMD=%JAVA_HOME%\\bin\\java.exe\""), cmd);
        assertTrue(cmd.contains("exit /b %ERRORLEVEL%"), "the exit code reaches the caller");
    }

    @Test
    void theShellLauncherPicksTheSerialCollectorForEveryCommandButTheService(@TempDir Path tmp) throws Exception {
        Path bin = installWithEchoJava(tmp);

        assertTrue(launch(bin, tmp, "", "once", "-c", "x.json").contains(" -XX:+UseSerialGC "));
        assertTrue(launch(bin, tmp, "", "status").contains(" -XX:+UseSerialGC "));
        assertFalse(java.util.regex.Pattern.compile("-XX:\\+Use\\w*GC").matcher(launch(bin, tmp, "", "run", "-c", "x.json")).find(),
                "the service keeps the default collector");
        String own = launch(bin, tmp, "-XX:+UseParallelGC", "once");
        assertFalse(own.contains("UseSerialGC"), own);
        assertTrue(own.contains("-XX:+UseParallelGC"), own);
    }

    @Test
    void bothLaunchersInlineLessForPushOnlyAndTheUsersFlagWins(@TempDir Path tmp) throws Exception {
        Path bin = installWithEchoJava(tmp);

        String push = launch(bin, tmp, "", "push", "--repo", "r");
        assertTrue(push.contains(" -XX:FreqInlineSize=50 "), push);
        for (String other : List.of("once", "run", "check", "status")) {
            String line = launch(bin, tmp, "", other);
            assertFalse(line.contains("FreqInlineSize"), other + ": " + line);
        }
        String own = launch(bin, tmp, "-XX:FreqInlineSize=325", "push");
        assertTrue(own.indexOf("-XX:FreqInlineSize=325") > own.indexOf("-XX:FreqInlineSize=50"), "the user's flag comes last: " + own);

        String cmd = Files.readString(LauncherFlags.CMD, StandardCharsets.UTF_8);
        assertTrue(cmd.contains("if /I \"%~1\"==\"push\" set \"JIT_OPTS=-XX:FreqInlineSize=50\""), cmd);
    }

    @Test
    void bothLaunchersRaiseC2sThresholdsForVerifyOnly(@TempDir Path tmp) throws Exception {
        Path bin = installWithEchoJava(tmp);
        String flags = "-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000 -XX:Tier4CompileThreshold=150000"
                + " -XX:Tier4BackEdgeThreshold=400000";
        String verify = launch(bin, tmp, "", "verify", "-c", "x.json");
        assertTrue(verify.contains(" " + flags + " "), verify);
        for (String other : List.of("once", "run", "push", "check", "status")) {
            String line = launch(bin, tmp, "", other);
            assertFalse(line.contains("Tier4"), other + ": " + line);
        }
        String cmd = Files.readString(LauncherFlags.CMD, StandardCharsets.UTF_8);
        assertTrue(cmd.contains("if /I \"%~1\"==\"verify\" set \"JIT_OPTS=" + flags + "\""), cmd);
    }

    @Test
    void theShellLauncherRunsOnceOnC1AloneWhereLibcryptoIsInstalled(@TempDir Path tmp) throws Exception {
        Path bin = installWithEchoJava(tmp);
        boolean libcrypto = LauncherFlags.libcryptoInLinkerCache();
        String once = launch(bin, tmp, "", "once", "-c", "x.json");
        assertEquals(libcrypto, once.contains(" -XX:TieredStopAtLevel=1 -Dkeepwatch.once.c1=true "),
                "libcrypto.so.3 in the linker's cache: " + libcrypto + ": " + once);
        for (String other : List.of("run", "push", "verify", "check", "restore", "status")) {
            String line = launch(bin, tmp, "", other);
            assertFalse(line.contains("TieredStopAtLevel"), other + ": " + line);
        }
        String off = launch(bin, tmp, "-Dkeepwatch.openssl=off", "once");
        assertFalse(off.contains("TieredStopAtLevel"), "without libcrypto's hashing once keeps C2: " + off);
        if (libcrypto) {
            String own = launch(bin, tmp, "-XX:TieredStopAtLevel=4", "once");
            assertTrue(own.indexOf("-XX:TieredStopAtLevel=4") > own.indexOf("-XX:TieredStopAtLevel=1"), "the user's flag comes last: " + own);
        }
    }

    /** The shell launcher installed in {@code tmp/app/bin}, with a fake java in {@code tmp/jdk} that prints its arguments. */
    private static Path installWithEchoJava(Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("app/bin"));
        Files.copy(LauncherFlags.SH, bin.resolve("keepwatch"));
        bin.resolve("keepwatch").toFile().setExecutable(true);
        Path fakeJava = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\necho \"$*\"\n");
        fakeJava.toFile().setExecutable(true);
        return bin;
    }

    /**
     * A fake java that records each call in calls.log and prints its arguments. Asked to list its classes, it writes one
     * line naming its command; asked to dump an archive from a list, it copies the list into the archive when
     * {@code trainingWorks}, and fails otherwise. Its {@code run} says Ready when {@code runReady}, else it ends without.
     */
    private static Path installWithFakeJava(Path tmp, boolean trainingWorks) throws Exception {
        return installWithFakeJava(tmp, trainingWorks, true);
    }

    private static Path installWithFakeJava(Path tmp, boolean trainingWorks, boolean runReady) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("app/bin"));
        Files.copy(LauncherFlags.SH, bin.resolve("keepwatch"));
        bin.resolve("keepwatch").toFile().setExecutable(true);
        Path jar = Files.createDirectories(tmp.resolve("app/lib")).resolve("keepwatch.jar");
        Files.writeString(jar, "not really a jar");
        Path fakeJava = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\n"
                + "echo \"$*\" >>\"" + tmp.resolve("calls.log") + "\"\n"
                + "cmd=other; case \" $* \" in *\" once \"*) cmd=once;; *\" run \"*) cmd=run;; esac\n"
                + "dump=; case \" $* \" in *\" -Xshare:dump \"*) dump=yes;; esac\n"
                + "for a in \"$@\"; do case $a in\n"
                + "  -XX:DumpLoadedClassList=*) echo \"listed by $cmd\" >\"${a#*=}\";;\n"
                + "  -XX:SharedClassListFile=*) list=${a#*=};;\n"
                + "  -XX:SharedArchiveFile=*) if [ -n \"$dump\" ]; then "
                + (trainingWorks ? "cat \"$list\" >\"${a#*=}\"; " : "exit 3; ") + "fi;;\n"
                + "esac; done\n"
                + "if [ $cmd = run ]; then " + (runReady ? "echo '12:00:00.000 INFO  Ready'; " : "exit 1; ") + "fi\n"
                + "echo \"$*\"\n");
        fakeJava.toFile().setExecutable(true);
        java.nio.file.attribute.FileTime old = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(100));
        Files.setLastModifiedTime(jar, old);
        Files.setLastModifiedTime(fakeJava, old);
        return bin;
    }

    private static long calls(Path tmp, String containing) throws Exception {
        Path log = tmp.resolve("calls.log");
        return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.contains(containing)).count() : 0;
    }

    @Test
    void theShellLauncherMakesAClassDataArchiveOnceAndStartsWithIt(@TempDir Path tmp) throws Exception {
        Path bin = installWithFakeJava(tmp, true);
        Path archive = tmp.resolve("app/lib/keepwatch.jsa");
        String first = launch(bin, tmp, "", "status");
        assertTrue(first.contains(" -XX:SharedArchiveFile=" + archive + " "), first);
        assertTrue(first.endsWith(" status "), first);
        assertEquals(List.of("listed by once", "listed by run"), Files.readAllLines(archive),
                "dumped from the classes both commands loaded, each listed once");
        assertEquals(1, calls(tmp, "-Xshare:dump"), "one dump makes the archive");
        assertEquals(2, calls(tmp, " once -c "), "two passes over a temp folder train it");
        assertEquals(1, calls(tmp, " run -c "), "and the service until Ready");

        String second = launch(bin, tmp, "", "once", "-c", "x.json");
        assertTrue(second.contains(" -XX:SharedArchiveFile=" + archive + " "), second);
        assertEquals(1, calls(tmp, "-Xshare:dump"), "a fresh archive is used as it is");

        // A new jar (an upgrade) makes the archive stale: it is made again.
        Files.setLastModifiedTime(tmp.resolve("app/lib/keepwatch.jar"),
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(10)));
        launch(bin, tmp, "", "status");
        assertEquals(2, calls(tmp, "-Xshare:dump"));

        ProcessBuilder off = new ProcessBuilder(bin.resolve("keepwatch").toString(), "status").redirectErrorStream(true);
        off.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        off.environment().put("KEEPWATCH_CDS", "off");
        Process p = off.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertFalse(out.contains("SharedArchiveFile"), out);
    }

    @Test
    void aFailedTrainingRunIsNotRetriedAndTheCommandStillRuns(@TempDir Path tmp) throws Exception {
        Path bin = installWithFakeJava(tmp, false);
        String first = launch(bin, tmp, "", "status");
        assertFalse(first.contains("SharedArchiveFile"), first);
        assertTrue(first.endsWith(" status "), first);
        assertFalse(Files.exists(tmp.resolve("app/lib/keepwatch.jsa")));
        assertEquals(1, calls(tmp, "-Xshare:dump"));
        launch(bin, tmp, "", "status");
        assertEquals(1, calls(tmp, "-Xshare:dump"), "not again until the jar or Java changes");
        assertEquals(List.of(), leftovers(tmp), "no temp folder or partial archive is left");
    }

    @Test
    void aServiceThatIsNotReadyInTrainingIsLeftOutOfTheArchive(@TempDir Path tmp) throws Exception {
        Path bin = installWithFakeJava(tmp, true, false);
        String first = launch(bin, tmp, "", "status");
        Path archive = tmp.resolve("app/lib/keepwatch.jsa");
        assertTrue(first.contains(" -XX:SharedArchiveFile=" + archive + " "), first);
        assertEquals(List.of("listed by once"), Files.readAllLines(archive), "the passes' classes only");
        assertEquals(List.of(), leftovers(tmp), "no temp folder or partial archive is left");
    }

    private static List<String> leftovers(Path tmp) throws Exception {
        try (var s = Files.list(tmp.resolve("app/lib"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp")).toList();
        }
    }

    /** The java command line the launcher makes (the fake java prints it). */
    private static String launch(Path bin, Path tmp, String javaOpts, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(bin.resolve("keepwatch").toString()));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        pb.environment().put("JAVA_OPTS", javaOpts);
        pb.environment().remove("KEEPWATCH_OPTS");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return " " + out.trim() + " ";
    }

    @Test
    void theShellLauncherIsPosixSh() throws Exception {
        Process p = new ProcessBuilder("sh", "-n", LauncherFlags.SH.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertEquals("", out);
        assertTrue(Files.readString(LauncherFlags.SH).startsWith("#!/bin/sh\n"));
    }
}
