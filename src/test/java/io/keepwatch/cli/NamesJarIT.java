package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.fs.FileNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, started with plain {@code java -jar} (no JVM flags), reads and writes a name that is not
 * UTF-8: its manifest's {@code Add-Opens} is what lets {@code FileNames} reach the bytes.
 */
class NamesJarIT {
    @TempDir
    Path tmp;

    @Test
    void javaDashJarBacksUpAndRestoresANameThatIsNotUtf8() throws Exception {
        Path jar = Paths.get("target", "keepwatch.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run `mvn verify`");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(FileNames.resolve(src, "\uDCFF\uDCFE"), "raw bytes");
        Path cfg = tmp.resolve("config.json");
        Files.writeString(cfg, "{\"sources\": [\"./src\"], \"backup_root\": \"./backup\", \"log_dir\": \"./logs\"}");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();

        assertEquals(0, exec(List.of(java, "-jar", jar.toString(), "once", "-c", cfg.toString())));
        String log = Files.readString(tmp.resolve("logs/keepwatch.log"), StandardCharsets.UTF_8);
        assertTrue(log.contains("BACKUP: " + src + "/\\xff\\xfe → src/\\xff\\xfe"), log);
        assertTrue(log.contains(" 0 failed"), log);
        assertEquals(0, exec(List.of(java, "-jar", jar.toString(), "restore", "-c", cfg.toString(), "--to", tmp.resolve("r").toString())));
        assertEquals("raw bytes", Files.readString(FileNames.resolve(tmp.resolve("r/src"), "\uDCFF\uDCFE")));
    }

    private int exec(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("out-" + System.nanoTime() + ".txt").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + cmd);
        return p.exitValue();
    }
}
