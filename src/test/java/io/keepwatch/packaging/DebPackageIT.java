package io.keepwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/keepwatch_VERSION_all.deb, inspected with Debian's own tools: its files, control fields, conffiles and
 * maintainer scripts; unpacked with `dpkg -x` into a scratch root, where systemd-analyze checks the unit as
 * installed and keepwatch runs from the installed layout.
 */
class DebPackageIT {
    @TempDir
    static Path root;

    @TempDir
    Path tmp;

    @BeforeAll
    static void unpack() throws Exception {
        Run r = Run.of(root, "dpkg", "-x", Built.existing(Built.DEB).toString(), root.toString());
        assertEquals(0, r.exit, r.describe());
    }

    /** `dpkg-deb -c`: path -> "mode owner" for files, "mode owner -> target" for links; directories left out. */
    private static Map<String, String> contents() throws Exception {
        Run r = Run.of(root, "dpkg-deb", "-c", Built.DEB.toString());
        assertEquals(0, r.exit, r.describe());
        Map<String, String> entries = new TreeMap<>();
        Pattern line = Pattern.compile("^(\\S+) (\\S+)\\s+\\d+ \\S+ \\S+ \\./(\\S+?)(?: -> (\\S+))?$");
        for (String l : r.out.split("\n")) {
            Matcher m = line.matcher(l);
            assertTrue(m.matches(), "a dpkg-deb -c line: " + l);
            if (m.group(1).startsWith("d")) {
                continue;
            }
            String type = m.group(1).substring(0, 1);
            String mode = type.equals("l") ? "link" : m.group(1);
            entries.put("/" + m.group(3), mode + " " + m.group(2) + (m.group(4) == null ? "" : " -> " + m.group(4)));
        }
        return entries;
    }

    @Test
    void installsUnderOptWithALauncherOnThePathTheUnitAndConfigInEtc() throws Exception {
        Map<String, String> expected = new TreeMap<>();
        expected.put("/opt/keepwatch/bin/keepwatch", "-rwxr-xr-x root/root");
        expected.put("/opt/keepwatch/lib/keepwatch.jar", "-rw-r--r-- root/root");
        expected.put("/opt/keepwatch/README.md", "-rw-r--r-- root/root");
        for (String doc : Docs.files()) {
            expected.put("/opt/keepwatch/" + doc, "-rw-r--r-- root/root");
        }
        expected.put("/opt/keepwatch/conf", "link root/root -> /etc/keepwatch");
        expected.put("/etc/keepwatch/config.json", "-rw-r--r-- root/root");
        expected.put("/etc/keepwatch/logback.xml", "-rw-r--r-- root/root");
        expected.put("/lib/systemd/system/keepwatch.service", "-rw-r--r-- root/root");
        expected.put("/usr/bin/keepwatch", "link root/root -> /opt/keepwatch/bin/keepwatch");
        assertEquals(expected, contents());
    }

    @Test
    void theInstalledFilesAreTheReleaseFiles() throws Exception {
        assertArrayEquals(Files.readAllBytes(Path.of("systemd/keepwatch.service")),
                Files.readAllBytes(root.resolve("lib/systemd/system/keepwatch.service")));
        assertArrayEquals(Files.readAllBytes(Path.of("packaging/conf/config.json")),
                Files.readAllBytes(root.resolve("etc/keepwatch/config.json")));
        assertArrayEquals(Files.readAllBytes(Path.of("src/main/resources/keepwatch-logback.xml")),
                Files.readAllBytes(root.resolve("etc/keepwatch/logback.xml")));
        assertArrayEquals(Files.readAllBytes(Path.of("packaging/bin/keepwatch")),
                Files.readAllBytes(root.resolve("opt/keepwatch/bin/keepwatch")));
        assertArrayEquals(Files.readAllBytes(Built.TARGET.resolve("keepwatch.jar")),
                Files.readAllBytes(root.resolve("opt/keepwatch/lib/keepwatch.jar")));
    }

    @Test
    void controlFieldsDependOnAJava17Runtime() throws Exception {
        Run r = Run.of(root, "dpkg-deb", "-f", Built.DEB.toString(), "Package", "Version", "Architecture", "Depends");
        assertEquals(0, r.exit, r.describe());
        assertEquals("Package: keepwatch\n"
                + "Version: " + Built.VERSION + "\n"
                + "Architecture: all\n"
                + "Depends: java17-runtime-headless | java-runtime-headless (>= 17), adduser\n", r.out);
    }

    @Test
    void configFilesAreConffilesAndTheMaintainerScriptsNeverEnableOrStartTheService() throws Exception {
        Path control = tmp.resolve("DEBIAN");
        Run r = Run.of(tmp, "dpkg-deb", "-e", Built.DEB.toString(), control.toString());
        assertEquals(0, r.exit, r.describe());
        assertEquals(List.of("/etc/keepwatch/config.json", "/etc/keepwatch/logback.xml"),
                Files.readAllLines(control.resolve("conffiles")));
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Path file = control.resolve(script);
            assertTrue(Files.isExecutable(file), script + " is executable");
            Run syntax = Run.of(tmp, "sh", "-n", file.toString());
            assertEquals(0, syntax.exit, syntax.describe());
            for (String line : Files.readAllLines(file)) {
                if (line.contains("systemctl") && !line.strip().startsWith("#")) {
                    assertTrue(line.contains("daemon-reload") || (script.equals("prerm") && line.contains("stop")),
                            script + " must not enable or start keepwatch: " + line);
                }
            }
        }
        String postinst = Files.readString(control.resolve("postinst"));
        assertTrue(postinst.contains("adduser --system --group --home /nonexistent --no-create-home keepwatch"),
                postinst);
    }

    /** The unit as installed, checked by systemd itself; verify exits 0 on unknown keys, so any output fails. */
    @Test
    void systemdAcceptsTheInstalledUnitWithoutAnyComplaint() throws Exception {
        Path units = provideSystemdUnits();
        Run r = Run.of(root, "systemd-analyze", "verify", "--man=no", "--root=" + root, "keepwatch.service");
        assertEquals("", r.out + r.err, r.describe());
        assertEquals(0, r.exit, r.describe());
        assertTrue(Files.isDirectory(units));
    }

    /**
     * systemd-analyze --root needs the units keepwatch.service refers to (sysinit.target, …): they are copied
     * from this machine's systemd package, which .ci/run installs.
     */
    private static Path provideSystemdUnits() throws IOException, InterruptedException {
        Path hostUnits = Path.of("/usr/lib/systemd/system");
        assertTrue(Files.isRegularFile(hostUnits.resolve("sysinit.target")),
                "systemd's units are not installed here (apt-get install systemd; .ci/run does)");
        Path units = root.resolve("usr/lib/systemd/system");
        if (!Files.isDirectory(units)) {
            Files.createDirectories(units.getParent());
            Run cp = Run.of(root, "cp", "-a", hostUnits.toString(), units.getParent().toString());
            assertEquals(0, cp.exit, cp.describe());
        }
        return units;
    }

    @Test
    void theOperationsDocStatesTheExposureScoreSystemdGivesTheUnit() throws Exception {
        provideSystemdUnits();
        Run r = Run.of(root, "systemd-analyze", "security", "--offline=yes", "--root=" + root, "keepwatch.service");
        assertEquals(0, r.exit, r.describe());
        Matcher m = Pattern.compile("Overall exposure level for keepwatch\\.service: ([0-9.]+ [A-Z]+)").matcher(r.out + r.err);
        assertTrue(m.find(), r.describe());
        String ops = Files.readString(Path.of("docs/operations.md"), StandardCharsets.UTF_8);
        String stated = "systemd-analyze security --offline=yes` rates the unit's exposure **" + m.group(1) + "**";
        assertTrue(ops.contains(stated), "docs/operations.md should say: " + stated);
    }

    @Test
    void checkConfigRunsFromTheInstalledLayout() throws Exception {
        Path cfg = ReleaseArchiveIT.config(tmp, "");
        Run r = Run.of(tmp, root.resolve("opt/keepwatch/bin/keepwatch").toString(), "check-config", "-c", cfg.toString());
        assertEquals(0, r.exit, r.describe());
        assertTrue(r.out.startsWith("Configuration OK: " + cfg + "\n"), r.describe());
        assertTrue(r.out.contains("\"backup_root\" : \"" + tmp.resolve("backup") + "\""), r.describe());
        assertTrue(r.out.contains("\"log_file\" : \"" + tmp.resolve("logs/keepwatch.log") + "\""), r.describe());
    }

    /** Until the placeholder source is edited, the service exits 78, which its unit does not restart. */
    @Test
    void theShippedConfigIsRefusedUntilEdited() throws Exception {
        Path shipped = root.resolve("etc/keepwatch/config.json");
        Run r = Run.of(tmp, root.resolve("opt/keepwatch/bin/keepwatch").toString(), "check-config", "-c", shipped.toString());
        assertEquals(78, r.exit, r.describe());
        assertEquals("keepwatch: " + shipped + ": 'sources[0]' source folder '/srv/documents' does not exist",
                r.lastErrLine());
    }

    @Test
    void onceFromTheInstalledLayoutLogsWithTheInstalledLogbackXml() throws Exception {
        Path cfg = ReleaseArchiveIT.config(tmp, "");
        // In the scratch root /opt/keepwatch/conf points at the real /etc/keepwatch: name the unpacked file.
        Run r = Run.of(tmp, Map.of("KEEPWATCH_OPTS", "-Dkeepwatch.logback=" + root.resolve("etc/keepwatch/logback.xml")),
                root.resolve("opt/keepwatch/bin/keepwatch").toString(), "once", "-c", cfg.toString());
        assertEquals(0, r.exit, r.describe());
        assertEquals("plain\n", Files.readString(tmp.resolve("backup/documents/plain.txt")));
        String log = Files.readString(tmp.resolve("logs/keepwatch.log"));
        assertTrue(log.contains("BACKUP: " + tmp.resolve("documents/plain.txt") + " → documents/plain.txt"), log);
        assertFalse(log.contains("ERROR"), log);
    }
}
