package io.keepwatch.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lock file's content is only a hint for the message of a second keepwatch; the file is untrusted: only a PID as
 * keepwatch writes it is shown, anything else (a planted flood, terminal escapes, a number in another script) is not.
 */
class BackupLockTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondWriterIsToldThePidOnlyWhenTheLockFileHoldsOne() throws Exception {
        Map<String, String> table = new java.util.LinkedHashMap<>();
        table.put("12345\n", " (PID 12345)");
        table.put("12345", " (PID 12345)");
        table.put("", "");
        table.put("\n", "");
        table.put("abc\n", "");
        table.put("-1\n", "");
        table.put("0\n", "");
        table.put("007\n", "");
        table.put("+7\n", "");
        table.put("\u0663\u0664\n", "");
        table.put("\uff17\n", "");
        table.put("99999999999999999999\n", "");
        table.put("1\n2\n", "");
        table.put("1\u001b[31m forged\n", "");
        table.put("7".repeat(1 << 20), "");
        Path root = tmp.resolve("backup");
        Files.createDirectories(root);
        Path lockFile = tmp.resolve("lock");
        try (BackupLock held = BackupLock.acquire(lockFile, root)) {
            for (Map.Entry<String, String> c : table.entrySet()) {
                byte[] content = c.getKey().getBytes(StandardCharsets.UTF_8);
                Files.write(lockFile, content);
                LockedException e = assertThrows(LockedException.class, () -> BackupLock.acquire(lockFile, root));
                String shown = c.getKey().length() > 40 ? c.getKey().length() + " bytes" : c.getKey();
                assertEquals("another keepwatch process" + c.getValue() + " is already using the backup root " + root
                        + "; stop it first (two writers would corrupt the backup)", e.getMessage(), shown);
                assertArrayEquals(content, Files.readAllBytes(lockFile), "the holder's lock file is left as it is: " + shown);
            }
        }
    }
}
