package io.keepwatch.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The default JVM flags as written in each launcher, to check that they agree. */
final class LauncherFlags {
    static final Path SH = Path.of("packaging/bin/keepwatch");
    static final Path CMD = Path.of("packaging/bin/keepwatch.cmd");
    static final List<String> EXPECTED =
            List.of("-Dsun.jnu.encoding=UTF-8", "-Dfile.encoding=UTF-8", "-XX:+ExitOnOutOfMemoryError",
                    "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=30", "-XX:G1PeriodicGCInterval=10000", "-XX:CompileCommand=quiet",
                    "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.GHASH::*,0.01",
                    "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.GCTR::*,0.01",
                    "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.CounterMode::*,0.01",
                    "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.HmacCore::*,0.01",
                    "-XX:CompileCommand=CompileThresholdScaling,sun.security.provider.DigestBase::*,0.01",
                    "-XX:CompileCommand=CompileThresholdScaling,sun.security.provider.SHA2::*,0.01");

    private LauncherFlags() {
    }

    static List<String> fromShellLauncher() throws IOException {
        return assignment(Files.readString(SH, StandardCharsets.UTF_8), "^DEFAULT_JVM_OPTS=\"([^\"]*)\"$");
    }

    static List<String> fromCmdLauncher() throws IOException {
        return assignment(Files.readString(CMD, StandardCharsets.UTF_8), "^set \"DEFAULT_JVM_OPTS=([^\"]*)\"\\r?$");
    }

    private static List<String> assignment(String script, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(script);
        if (!m.find()) {
            throw new AssertionError("no line matching " + regex);
        }
        List<String> flags = List.of(m.group(1).trim().split("\\s+"));
        if (m.find()) {
            throw new AssertionError("more than one line matching " + regex);
        }
        return flags;
    }

    /** The JVM options (words starting with -D or -XX:, possibly quoted) before the first other word. */
    static List<String> leadingFlags(String arguments) {
        List<String> flags = new ArrayList<>();
        for (String word : arguments.trim().split("\\s+")) {
            String w = word.replace("\"", "");
            if (w.startsWith("-Dkeepwatch.logback=")) {
                continue;
            }
            if (!w.startsWith("-D") && !w.startsWith("-XX:")) {
                break;
            }
            flags.add(w);
        }
        return flags;
    }

    /** Whether the dynamic linker's cache names libcrypto.so.3, the shell launcher's test for running once on C1 alone. */
    static boolean libcryptoInLinkerCache() throws java.io.IOException {
        Path cache = Path.of("/etc/ld.so.cache");
        return java.nio.file.Files.exists(cache) && new String(java.nio.file.Files.readAllBytes(cache),
                java.nio.charset.StandardCharsets.ISO_8859_1).contains("libcrypto.so.3");
    }
}
