package io.keepwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line a first backup runs itself again with: the launcher's two C1 flags gone, everything else as it was. */
class FirstBackupJitTest {
    @Test
    void theChildRunsTheSameCommandWithoutTheLaunchersC1Flags() {
        List<String> args = List.of("-Dfile.encoding=UTF-8", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dkeepwatch.once.c1=true",
                "-XX:SharedArchiveFile=/opt/kw/lib/keepwatch.jsa", "-jar", "/opt/kw/lib/keepwatch.jar", "once", "-c",
                "-XX:TieredStopAtLevel=1");
        assertEquals(List.of("/usr/bin/java", "-Dfile.encoding=UTF-8", "-XX:+UseSerialGC",
                "-XX:SharedArchiveFile=/opt/kw/lib/keepwatch.jsa", "-Dkeepwatch.once.parent=4242", "-jar", "/opt/kw/lib/keepwatch.jar",
                "once", "-c", "-XX:TieredStopAtLevel=1"), FirstBackupJit.withBothCompilers("/usr/bin/java", args, 4242),
                "an argument after -jar (here a config file oddly named) belongs to keepwatch and stays");
    }

    @Test
    void onlyTheLastTieredStopAtLevelBeforeTheJarCounts() {
        assertTrue(FirstBackupJit.onC1Alone(List.of("-XX:TieredStopAtLevel=1", "-jar", "k.jar", "once")));
        assertFalse(FirstBackupJit.onC1Alone(List.of("-XX:TieredStopAtLevel=1", "-XX:TieredStopAtLevel=4", "-jar", "k.jar", "once")),
                "the user's flag came later and won");
        assertFalse(FirstBackupJit.onC1Alone(List.of("-jar", "k.jar", "once", "-XX:TieredStopAtLevel=1")));
        assertFalse(FirstBackupJit.onC1Alone(List.of("-jar", "k.jar", "once")));
    }
}
