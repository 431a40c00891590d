package io.keepwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertTrue(cmd.contains("\"%JAVACMD%\" %DEFAULT_JVM_OPTS% %GC_OPTS% \"-Dkeepwatch.logback=%APP_HOME%\\conf\\logback.xml\""
                + " %JAVA_OPTS% %KEEPWATCH_OPTS% -jar \"%APP_HOME%\\lib\\keepwatch.jar\" %*"), cmd);
        assertTrue(cmd.contains("set \"JAVACMD=%JAVA_HOME%\\bin\\java.exe\""), cmd);
        assertTrue(cmd.contains("exit /b %ERRORLEVEL%"), "the exit code reaches the caller");
    }

    @Test
    void theShellLauncherPicksTheSerialCollectorForEveryCommandButTheService(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("app/bin"));
        Files.copy(LauncherFlags.SH, bin.resolve("keepwatch"));
        bin.resolve("keepwatch").toFile().setExecutable(true);
        Path fakeJava = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(fakeJava, "#!/bin/sh\necho \"$*\"\n");
        fakeJava.toFile().setExecutable(true);

        assertTrue(launch(bin, tmp, "", "once", "-c", "x.json").contains(" -XX:+UseSerialGC "));
        assertTrue(launch(bin, tmp, "", "status").contains(" -XX:+UseSerialGC "));
        assertFalse(launch(bin, tmp, "", "run", "-c", "x.json").contains("GC"), "the service keeps the default collector");
        String own = launch(bin, tmp, "-XX:+UseParallelGC", "once");
        assertFalse(own.contains("UseSerialGC"), own);
        assertTrue(own.contains("-XX:+UseParallelGC"), own);
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
