package io.keepwatch.engine;

import io.keepwatch.fs.TempFiles;
import io.keepwatch.fs.Fs;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The retention policy last applied to a backup root, in {@code .keepwatch/retention-policy}: a pass that would
 * remove more than half of all old versions under another policy waits for {@code --accept-retention}. Read as
 * untrusted text, only compared; a missing or unreadable file counts as "another policy".
 */
final class AcceptedPolicy {
    private static final int MAX_BYTES = 1 << 20;

    private AcceptedPolicy() {
    }

    static Optional<String> read(BackupLayout layout, Fs fs) throws IOException {
        Path file = layout.acceptedPolicyFile();
        if (!fs.isRegularFile(file)) {
            return Optional.empty();
        }
        try (InputStream in = fs.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            return bytes.length > MAX_BYTES ? Optional.empty() : Optional.of(new String(bytes, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Writes it: a temp file beside it, then renamed over it. */
    static void write(BackupLayout layout, Fs fs, String policy) throws IOException {
        Path file = layout.acceptedPolicyFile();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        fs.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            ByteBuffer buf = ByteBuffer.wrap(policy.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            throw TempFiles.discard(fs, tmp, e);
        }
        fs.replaceAtomically(tmp, file);
    }
}
