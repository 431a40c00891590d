package io.keepwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The two launchers pass the same JVM flags, and each passes them before the user's options. */
class LauncherScriptsTest {

    @Test
    void bothLaunchersUseTheSameJvmFlags() throws Exception {
        assertEquals(LauncherFlags.EXPECTED, LauncherFlags.fromShellLauncher());
        assertEquals(LauncherFlags.EXPECTED, LauncherFlags.fromCmdLauncher());
    }

    @Test
    void theCmdLauncherPassesTheLogbackFileAndUserOptionsLast() throws Exception {
        String cmd = Files.readString(LauncherFlags.CMD, StandardCharsets.UTF_8);
        assertTrue(cmd.contains("\"%JAVACMD%\" %DEFAULT_JVM_OPTS% \"-Dkeepwatch.logback=%APP_HOME%\\conf\\logback.xml\""
                + " %JAVA_OPTS% %KEEPWATCH_OPTS% -jar \"%APP_HOME%\\lib\\keepwatch.jar\" %*"), cmd);
        assertTrue(cmd.contains("set \"JAVACMD=%JAVA_HOME%\\bin\\java.exe\""), cmd);
        assertTrue(cmd.contains("exit /b %ERRORLEVEL%"), "the exit code reaches the caller");
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
