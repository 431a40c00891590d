package io.keepwatch.guard;

import io.keepwatch.fs.TempFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keepwatch.fs.Fs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes {@code .keepwatch/guard.json}: per source, the identity of its folder and its mount points
 * ({@link SourceMarks}). The file is untrusted input: an entry whose path is not a clean relative path, or of
 * the wrong shape, is left out with an ERROR, and an unreadable file is read as empty (the next full pass
 * learns the mount points again; until then only the share limit guards). Written to a temp file (owner-only),
 * fsynced and renamed over the old one.
 */
public final class GuardFile {
    private static final Logger log = LoggerFactory.getLogger(GuardFile.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    static final int FORMAT = 1;

    private GuardFile() {
    }

    public static Map<String, SourceMarks> read(Fs fs, Path file) {
        JsonNode root;
        try {
            root = MAPPER.readTree(fs.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Map.of();
        } catch (IOException e) {
            log.error("Cannot read {} ({}); the mount points inside the sources are learned again by this pass", file, e.toString());
            return Map.of();
        }
        Map<String, SourceMarks> out = new HashMap<>();
        JsonNode sources = root == null ? null : root.get("sources");
        if (root == null || !root.isObject() || root.path("format").asInt() != FORMAT || sources == null || !sources.isObject()) {
            log.error("{} is not a guard file of format {}; the mount points inside the sources are learned again by this pass",
                    file, FORMAT);
            return Map.of();
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = sources.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode s = e.getValue();
            String rootKey = s.path("root").isTextual() ? s.path("root").asText() : "";
            Map<String, SourceMarks.Mount> mounts = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> m = s.path("mounts").fields(); m.hasNext(); ) {
                Map.Entry<String, JsonNode> me = m.next();
                JsonNode device = me.getValue().get("device");
                if (!cleanRelative(me.getKey()) || device == null || !device.isTextual()) {
                    log.error("{}: mount point entry '{}' of {} is not a clean relative path with a device; left out",
                            file, me.getKey(), e.getKey());
                    continue;
                }
                mounts.put(me.getKey(), new SourceMarks.Mount(device.asText(), me.getValue().path("marker").asBoolean(false)));
            }
            out.put(e.getKey(), new SourceMarks(rootKey, mounts));
        }
        return out;
    }

    /** A relative path of names: no leading or trailing '/', no empty, "." or ".." name, no NUL. */
    static boolean cleanRelative(String rel) {
        if (rel.isEmpty() || rel.indexOf('\0') >= 0 || rel.indexOf('\\') >= 0) {
            return false;
        }
        for (String name : rel.split("/", -1)) {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                return false;
            }
        }
        return true;
    }

    public static void write(Fs fs, Path file, Map<String, SourceMarks> marks) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode sources = root.putObject("sources");
        for (Map.Entry<String, SourceMarks> e : new TreeMap<>(marks).entrySet()) {
            ObjectNode s = sources.putObject(e.getKey());
            s.put("root", e.getValue().root());
            ObjectNode mounts = s.putObject("mounts");
            e.getValue().mounts().forEach((rel, m) -> mounts.putObject(rel).put("device", m.device()).put("marker", m.marker()));
        }
        byte[] bytes = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        fs.deleteIfExists(tmp);
        try (FileChannel ch = fs.createNew(tmp)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        } catch (IOException e) {
            throw TempFiles.discard(fs, tmp, e);
        }
        fs.syncFile(tmp);
        fs.replaceAtomically(tmp, file);
    }
}
