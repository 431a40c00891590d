package io.keepwatch.testing;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.keepwatch.config.Config;
import io.keepwatch.config.RetentionConfig;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.config.WatchConfig;
import io.keepwatch.hash.HashAlgorithm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Helpers for engine tests on jimfs: a unix-like in-memory filesystem and configs on it. */
public final class TestFs {
    private TestFs() {
    }

    public static FileSystem unix() {
        return Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "owner", "posix", "unix").build());
    }

    public static Config config(Path configDir, Path backupRoot, RetentionConfig retention, SourceConfig... sources) {
        return new Config(configDir.resolve("config.json"), List.of(sources), backupRoot, configDir.resolve("logs"),
                HashAlgorithm.SHA256, retention, List.of(), WatchConfig.defaults());
    }

    public static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }

    public static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /** Every regular file under {@code root} by {@code /}-separated relative path, with its text. */
    public static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.exists(root)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    StringBuilder rel = new StringBuilder();
                    for (Path n : root.relativize(p)) {
                        if (rel.length() > 0) {
                            rel.append('/');
                        }
                        rel.append(n);
                    }
                    // Leniently: the backup root's private folder holds a binary file (the metadata index).
                    out.put(rel.toString(), new String(Files.readAllBytes(p), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }
}
