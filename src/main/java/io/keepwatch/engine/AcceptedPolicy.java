package io.keepwatch.engine;

import io.keepwatch.fs.Fs;
import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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

    static Optional<String> read(BackupLayout layout) throws IOException {
        Path file = layout.acceptedPolicyFile();
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try (InputStream in = Files.newInputStream(file)) {
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
        Files.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            ByteBuffer buf = ByteBuffer.wrap(policy.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        fs.replaceAtomically(tmp, file);
    }
}
