package io.keepwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The settings of systemd/keepwatch.service that keepwatch's behaviour depends on. That systemd itself accepts
 * every line is checked by {@code systemd-analyze verify} in DebPackageIT, against the unit as installed.
 */
class SystemdUnitTest {
    static final Path UNIT = Path.of("systemd/keepwatch.service");

    /** section -> key -> values, in file order (a key may repeat). */
    static Map<String, Map<String, List<String>>> parse(Path unit) throws IOException {
        Map<String, Map<String, List<String>>> sections = new LinkedHashMap<>();
        String section = null;
        for (String line : Files.readAllLines(unit, StandardCharsets.UTF_8)) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            if (l.startsWith("[")) {
                section = l.substring(1, l.indexOf(']'));
                sections.putIfAbsent(section, new LinkedHashMap<>());
                continue;
            }
            int eq = l.indexOf('=');
            if (section == null || eq < 0 || l.endsWith("\\")) {
                throw new AssertionError(unit + ": unexpected line: " + line);
            }
            sections.get(section).computeIfAbsent(l.substring(0, eq), k -> new ArrayList<>()).add(l.substring(eq + 1));
        }
        return sections;
    }

    @Test
    void runsTheInstalledLauncherAsTheKeepwatchUserWithReadAccessToEverySource() throws IOException {
        Map<String, List<String>> s = parse(UNIT).get("Service");
        assertEquals(List.of("exec"), s.get("Type"));
        assertEquals(List.of("/usr/bin/keepwatch run -c /etc/keepwatch/config.json"), s.get("ExecStart"));
        assertEquals(List.of("keepwatch"), s.get("User"));
        assertEquals(List.of("CAP_DAC_READ_SEARCH"), s.get("AmbientCapabilities"));
        assertEquals(List.of("CAP_DAC_READ_SEARCH"), s.get("CapabilityBoundingSet"));
        assertEquals(List.of("LANG=C.UTF-8"), s.get("Environment"));
    }

    @Test
    void restartsOnFailureButNotOnAConfigErrorAndCountsSigtermAsSuccess() throws IOException {
        Map<String, List<String>> s = parse(UNIT).get("Service");
        assertEquals(List.of("on-failure"), s.get("Restart"));
        assertEquals(List.of("78"), s.get("RestartPreventExitStatus"));
        assertEquals(List.of("143"), s.get("SuccessExitStatus"));
        assertEquals(List.of("60"), s.get("TimeoutStopSec"));
    }

    @Test
    void isHardenedButLeavesTheJitAlone() throws IOException {
        Map<String, List<String>> s = parse(UNIT).get("Service");
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("ProtectSystem", "strict");
        expected.put("ReadWritePaths", "/var/backups/keepwatch");
        expected.put("LogsDirectory", "keepwatch");
        expected.put("LogsDirectoryMode", "0700");
        expected.put("ConfigurationDirectory", "keepwatch");
        expected.put("StateDirectory", "keepwatch");
        expected.put("ProtectHome", "read-only");
        expected.put("PrivateTmp", "yes");
        expected.put("NoNewPrivileges", "yes");
        expected.put("UMask", "0077");
        expected.put("RestrictSUIDSGID", "yes");
        expected.put("LockPersonality", "yes");
        expected.put("ProtectKernelTunables", "yes");
        expected.put("ProtectKernelModules", "yes");
        expected.put("ProtectKernelLogs", "yes");
        expected.put("ProtectControlGroups", "yes");
        expected.forEach((key, value) -> assertEquals(List.of(value), s.get(key), key));
        assertFalse(s.containsKey("MemoryDenyWriteExecute"), "the JIT needs writable+executable memory");
        assertFalse(s.containsKey("PrivateUsers"), "CAP_DAC_READ_SEARCH must apply to other users' files");
    }

    @Test
    void theBackupRootOfTheExampleConfigIsTheWritablePath() throws IOException {
        String config = Files.readString(Path.of("packaging/conf/config.json"), StandardCharsets.UTF_8);
        assertTrue(config.contains("\"backup_root\": \"/var/backups/keepwatch\""), config);
        assertTrue(config.contains("\"log_dir\": \"/var/log/keepwatch\""), "log_dir is the unit's LogsDirectory");
        assertEquals(List.of("multi-user.target"), parse(UNIT).get("Install").get("WantedBy"));
    }
}
