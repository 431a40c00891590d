package io.keepwatch.notify;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The log lines that go with a message: from the end of {@code keepwatch.log}, the ERROR and WARN lines and those that
 * name the source, at most {@link #MAX_LINES} lines and {@link #MAX_CHARS} characters (the newest kept).
 */
final class LogTail {
    static final int MAX_LINES = 30;
    static final int MAX_CHARS = 8_000;
    private static final int READ_BYTES = 256 * 1024;

    private final Path logFile;

    LogTail(Path logFile) {
        this.logFile = logFile;
    }

    List<String> relevant(Optional<String> source) {
        if (!Files.isRegularFile(logFile)) {
            return List.of();
        }
        String tail;
        try (SeekableByteChannel f = Files.newByteChannel(logFile)) {
            long start = Math.max(0, f.size() - READ_BYTES);
            ByteBuffer b = ByteBuffer.allocate((int) (f.size() - start));
            f.position(start);
            while (b.hasRemaining() && f.read(b) >= 0) {
                // read to the end as it was when opened
            }
            tail = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
            if (start > 0) {
                tail = tail.substring(tail.indexOf('\n') + 1); // a cut first line is dropped
            }
        } catch (IOException e) {
            return List.of("(the log " + logFile + " cannot be read: " + e.getMessage() + ")");
        }
        List<String> picked = new ArrayList<>();
        for (String line : tail.split("\n")) {
            boolean wanted = line.contains(" ERROR ") || line.contains(" WARN ")
                    || source.isPresent() && (line.contains(" " + source.get() + "/") || line.contains(" " + source.get() + " ")
                            || line.contains(" " + source.get() + ":"));
            if (wanted) {
                picked.add(line.length() > 500 ? line.substring(0, 500) + "…" : line);
            }
        }
        List<String> out = new ArrayList<>();
        int chars = 0;
        for (int i = picked.size() - 1; i >= 0 && out.size() < MAX_LINES; i--) {
            chars += picked.get(i).length() + 1;
            if (chars > MAX_CHARS) {
                break;
            }
            out.add(0, picked.get(i));
        }
        return out;
    }
}
