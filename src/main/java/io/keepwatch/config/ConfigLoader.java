package io.keepwatch.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.hash.HashAlgorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads config.json into a validated {@link Config}. Every problem is a {@link ConfigException} whose
 * message is one line naming the file and the key. Reading a config never creates or changes anything.
 */
public final class ConfigLoader {
    /** Top-level names in the backup root that belong to keepwatch and so cannot name a source. */
    public static final Set<String> RESERVED_NAMES = Set.of("state.json", "versions", "_deleted", "_duplicates",
            ".keepwatch");

    private static final Set<String> TOP_KEYS = Set.of("sources", "backup_root", "log_dir", "hash_algorithm",
            "retention", "exclude", "watch");
    private static final Set<String> SOURCE_KEYS = Set.of("name", "path");
    private static final Set<String> RETENTION_KEYS = Set.of("max_versions_per_file", "max_version_age_days",
            "deleted_keep_days");
    private static final Set<String> WATCH_KEYS = Set.of("debounce_ms", "max_delay_ms", "state_flush_ms",
            "rescan_interval_minutes", "queue_capacity");

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * Loads and initialises what reading a config file needs (Jackson's databind takes about 0.1 s of a fresh
     * JVM), so that {@code Main} can have it done on a thread of its own while the command line is parsed.
     */
    public static void warmUp() {
        try {
            MAPPER.readTree("{\"sources\": [\"a\"], \"retention\": {\"max_versions_per_file\": 1}}");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Jackson cannot read a constant JSON object", e);
        }
    }

    public Config load(Path configFile) throws ConfigException {
        Path file = configFile.toAbsolutePath().normalize();
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found (use -c PATH or set KEEPWATCH_CONFIG)");
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ConfigException(file + ": invalid JSON" + where + ": " + withoutSourceNoise(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config file: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(file + ": the configuration must be a JSON object { ... }");
        }
        return new Reader(file).read(root);
    }

    /** Jackson names where an array or object started as "[Source: REDACTED (...); line: 2, column: 13]". */
    private static final Pattern SOURCE_LOCATION = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)]");

    private static String withoutSourceNoise(String message) {
        return SOURCE_LOCATION.matcher(message).replaceAll("line $1, column $2");
    }

    /**
     * Where the log folder of a config file is, as far as it can be told even when the file is invalid:
     * its {@code log_dir} if the JSON parses and names one, else {@code logs} beside the file. Used to put a
     * configuration error into the log the user tails; empty when even that cannot be said.
     */
    public Optional<Path> logDirHint(Path configFile) {
        Path file = configFile.toAbsolutePath().normalize();
        try {
            JsonNode root = MAPPER.readTree(Files.readAllBytes(file));
            JsonNode dir = root == null ? null : root.get("log_dir");
            if (dir != null && dir.isTextual() && !dir.asText().isBlank()) {
                return Optional.of(file.getParent().resolve(dir.asText()).normalize());
            }
        } catch (IOException | InvalidPathException e) {
            // Unreadable or not JSON: fall back to the default place.
        }
        return Optional.of(file.getParent().resolve("logs"));
    }

    /** Reads one file; carries the file name for messages and the folder that relative paths resolve against. */
    private static final class Reader {
        private final Path file;
        private final Path baseDir;
        private Path backupRoot;

        Reader(Path file) {
            this.file = file;
            this.baseDir = file.getParent();
        }

        Config read(JsonNode root) throws ConfigException {
            checkKeys(root, TOP_KEYS, "");
            Path backupRoot = path(required(root, "backup_root"), "backup_root");
            Path logDir = root.has("log_dir") ? path(root.get("log_dir"), "log_dir") : baseDir.resolve("logs");
            HashAlgorithm algorithm = HashAlgorithm.SHA256;
            if (root.has("hash_algorithm")) {
                String name = text(root.get("hash_algorithm"), "hash_algorithm");
                algorithm = HashAlgorithm.byName(name).orElseThrow(() -> error("hash_algorithm",
                        "unknown algorithm '" + name + "'; allowed: " + HashAlgorithm.allowedNames()));
            }
            RetentionConfig retention = retention(root.get("retention"));
            List<String> exclude = exclude(root.get("exclude"));
            WatchConfig watch = watch(root.get("watch"));
            this.backupRoot = backupRoot;
            List<SourceConfig> sources = sources(required(root, "sources"));
            checkLayout(sources, backupRoot);
            sources = withInternalExcludes(sources, List.of(backupRoot, logDir));
            return new Config(file, sources, backupRoot, logDir, algorithm, retention, exclude, watch);
        }

        private List<SourceConfig> sources(JsonNode node) throws ConfigException {
            if (!node.isArray()) {
                throw error("sources", "must be a list of folders, e.g. [\"/home/ann/Documents\"]");
            }
            if (node.isEmpty()) {
                throw error("sources", "is empty; list at least one folder to back up");
            }
            List<SourceConfig> sources = new ArrayList<>();
            Map<String, String> seen = new HashMap<>();
            for (int i = 0; i < node.size(); i++) {
                JsonNode item = node.get(i);
                String key = "sources[" + i + "]";
                Path path;
                String name;
                if (item.isTextual()) {
                    path = path(item, key);
                    name = path.getFileName() == null ? "" : path.getFileName().toString();
                    if (name.isEmpty()) {
                        throw error(key, "'" + path + "' has no folder name; use {\"name\": \"...\", \"path\": \"...\"}");
                    }
                } else if (item.isObject()) {
                    checkKeys(item, SOURCE_KEYS, key + ".");
                    path = path(required(item, "path", key + ".path"), key + ".path");
                    name = item.has("name") ? text(item.get("name"), key + ".name")
                            : path.getFileName() == null ? "" : path.getFileName().toString();
                } else {
                    throw error(key, "must be a path string or {\"name\": ..., \"path\": ...}, not " + describe(item));
                }
                checkName(name, key);
                String previous = seen.put(name.toLowerCase(Locale.ROOT), key);
                if (previous != null) {
                    throw error(key, "source name '" + name + "' is already used by " + previous
                            + "; give one of them a different \"name\"");
                }
                if (!Files.isDirectory(path) && !(Files.notExists(path) && alreadyBackedUp(name))) {
                    throw error(key, Files.exists(path) ? "'" + path + "' is not a folder"
                            : "source folder '" + path + "' does not exist");
                }
                sources.add(new SourceConfig(name, path));
            }
            return sources;
        }

        /**
         * A missing source folder is a mistake, unless the backup already holds files of it: then it is a disk
         * not mounted yet, and the engine reports it UNAVAILABLE while the other sources are backed up.
         */
        private boolean alreadyBackedUp(String name) {
            return Files.isDirectory(backupRoot.resolve(name));
        }

        private void checkName(String name, String key) throws ConfigException {
            if (name.isEmpty() || name.equals(".") || name.equals("..")) {
                throw error(key, "source name '" + name + "' is not a usable folder name");
            }
            if (RESERVED_NAMES.contains(name.toLowerCase(Locale.ROOT))) {
                throw error(key, "source name '" + name + "' is reserved in the backup root (reserved: "
                        + String.join(", ", new java.util.TreeSet<>(RESERVED_NAMES)) + "); set another \"name\"");
            }
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c < 0x20 || c == 0x7f || "/\\:*?\"<>|".indexOf(c) >= 0) {
                    throw error(key, "source name '" + name + "' contains '" + (c < 0x20 ? "\\u" + (int) c : c)
                            + "', which cannot be in a folder name");
                }
            }
            if (name.endsWith(" ") || name.endsWith(".") || name.startsWith(" ")) {
                throw error(key, "source name '" + name + "' starts or ends with a space or dot");
            }
        }

        /** Sources must not overlap each other or the backup root; a backup root inside a source is excluded. */
        private void checkLayout(List<SourceConfig> sources, Path backupRoot) throws ConfigException {
            Path realBackup = realish(backupRoot);
            List<Path> reals = new ArrayList<>();
            for (SourceConfig s : sources) {
                reals.add(realish(s.path()));
            }
            for (int i = 0; i < sources.size(); i++) {
                String key = "sources[" + i + "]";
                Path src = reals.get(i);
                if (src.equals(realBackup)) {
                    throw error(key, "'" + sources.get(i).path() + "' is the backup root; back up into another folder");
                }
                if (src.startsWith(realBackup)) {
                    throw error(key, "'" + sources.get(i).path() + "' is inside the backup root '" + backupRoot + "'");
                }
                for (int j = 0; j < i; j++) {
                    Path other = reals.get(j);
                    if (src.startsWith(other) || other.startsWith(src)) {
                        throw error(key, "'" + sources.get(i).path() + "' overlaps sources[" + j + "] '"
                                + sources.get(j).path() + "'; a folder may be backed up by one source only");
                    }
                }
            }
        }

        /** Records, per source, the keepwatch folders (backup root, log folder) that lie inside it. */
        private List<SourceConfig> withInternalExcludes(List<SourceConfig> sources, List<Path> own) throws ConfigException {
            List<SourceConfig> out = new ArrayList<>();
            for (SourceConfig s : sources) {
                Path real = realish(s.path());
                java.util.Set<String> inside = new java.util.TreeSet<>();
                for (Path p : own) {
                    Path r = realish(p);
                    if (r.startsWith(real) && !r.equals(real)) {
                        inside.add(io.keepwatch.state.BackupLayout.relative(real, r));
                    }
                }
                out.add(new SourceConfig(s.name(), s.path(), inside));
            }
            return out;
        }

        /** The real path of the longest existing prefix, plus the rest: resolves symlinks before comparing. */
        private Path realish(Path p) throws ConfigException {
            Path existing = p;
            Path rest = p.getFileSystem().getPath("");
            while (existing != null && !Files.exists(existing)) {
                rest = existing.getFileName().resolve(rest);
                existing = existing.getParent();
            }
            if (existing == null) {
                return p;
            }
            try {
                return existing.toRealPath().resolve(rest).normalize();
            } catch (IOException e) {
                throw new ConfigException(file + ": cannot resolve '" + p + "': " + e, e);
            }
        }

        private RetentionConfig retention(JsonNode node) throws ConfigException {
            if (node == null) {
                return RetentionConfig.defaults();
            }
            if (!node.isObject()) {
                throw error("retention", "must be an object, e.g. {\"max_versions_per_file\": 10}");
            }
            checkKeys(node, RETENTION_KEYS, "retention.");
            int max = node.has("max_versions_per_file")
                    ? (int) positive(node.get("max_versions_per_file"), "retention.max_versions_per_file", 1)
                    : RetentionConfig.DEFAULT_MAX_VERSIONS;
            Optional<Duration> age = node.has("max_version_age_days")
                    ? Optional.of(Duration.ofDays(positive(node.get("max_version_age_days"), "retention.max_version_age_days", 1)))
                    : Optional.empty();
            Optional<Duration> deleted = node.has("deleted_keep_days")
                    ? Optional.of(Duration.ofDays(positive(node.get("deleted_keep_days"), "retention.deleted_keep_days", 1)))
                    : Optional.empty();
            return new RetentionConfig(max, age, deleted);
        }

        private WatchConfig watch(JsonNode node) throws ConfigException {
            WatchConfig d = WatchConfig.defaults();
            if (node == null) {
                return d;
            }
            if (!node.isObject()) {
                throw error("watch", "must be an object, e.g. {\"debounce_ms\": 1000}");
            }
            checkKeys(node, WATCH_KEYS, "watch.");
            Duration debounce = node.has("debounce_ms")
                    ? Duration.ofMillis(positive(node.get("debounce_ms"), "watch.debounce_ms", 0)) : d.debounce();
            Duration maxDelay = node.has("max_delay_ms")
                    ? Duration.ofMillis(positive(node.get("max_delay_ms"), "watch.max_delay_ms", 1)) : d.maxDelay();
            if (maxDelay.compareTo(debounce) < 0) {
                throw error("watch.max_delay_ms", "(" + maxDelay.toMillis() + ") must not be shorter than watch.debounce_ms ("
                        + debounce.toMillis() + ")");
            }
            Duration flush = node.has("state_flush_ms")
                    ? Duration.ofMillis(positive(node.get("state_flush_ms"), "watch.state_flush_ms", 0)) : d.stateFlush();
            Duration rescan = node.has("rescan_interval_minutes")
                    ? Duration.ofMinutes(positive(node.get("rescan_interval_minutes"), "watch.rescan_interval_minutes", 1))
                    : d.rescanInterval();
            int capacity = node.has("queue_capacity")
                    ? (int) positive(node.get("queue_capacity"), "watch.queue_capacity", 16) : d.queueCapacity();
            return new WatchConfig(debounce, maxDelay, flush, rescan, capacity);
        }

        private List<String> exclude(JsonNode node) throws ConfigException {
            if (node == null) {
                return List.of();
            }
            if (!node.isArray()) {
                throw error("exclude", "must be a list of glob patterns, e.g. [\"**/*.tmp\", \"node_modules/**\"]");
            }
            List<String> globs = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                globs.add(text(node.get(i), "exclude[" + i + "]"));
            }
            try {
                ExcludeRules.compile(globs);
            } catch (IllegalArgumentException e) {
                throw error("exclude", e.getMessage());
            }
            return globs;
        }

        private void checkKeys(JsonNode node, Set<String> allowed, String prefix) throws ConfigException {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!allowed.contains(key)) {
                    String hint = nearest(key, allowed).map(s -> "; did you mean '" + prefix + s + "'?")
                            .orElse("; allowed keys: " + String.join(", ", new java.util.TreeSet<>(allowed)));
                    throw new ConfigException(file + ": unknown key '" + prefix + key + "'" + hint);
                }
            }
        }

        private JsonNode required(JsonNode node, String key) throws ConfigException {
            return required(node, key, key);
        }

        private JsonNode required(JsonNode node, String key, String fullKey) throws ConfigException {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                throw new ConfigException(file + ": missing required key '" + fullKey + "'");
            }
            return value;
        }

        private String text(JsonNode node, String key) throws ConfigException {
            if (!node.isTextual()) {
                throw error(key, "must be a string, not " + describe(node));
            }
            return node.asText();
        }

        private long positive(JsonNode node, String key, long min) throws ConfigException {
            if (!node.isIntegralNumber()) {
                throw error(key, "must be a whole number, not " + describe(node));
            }
            long v = node.asLong();
            if (v < min) {
                throw error(key, "must be at least " + min + ", not " + v);
            }
            return v;
        }

        private Path path(JsonNode node, String key) throws ConfigException {
            String text = text(node, key);
            if (text.isBlank()) {
                throw error(key, "is empty");
            }
            try {
                return baseDir.resolve(text).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw error(key, "'" + text + "' is not a valid path: " + e.getReason());
            }
        }

        private ConfigException error(String key, String message) {
            return new ConfigException(file + ": '" + key + "' " + message);
        }
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "the string \"" + node.asText() + "\"";
            case NUMBER -> "the number " + node;
            case BOOLEAN -> node.asText();
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> node.getNodeType().toString().toLowerCase(Locale.ROOT);
        };
    }

    /** The allowed key closest to a misspelled one, if it is close enough to be a typo. */
    static Optional<String> nearest(String key, Set<String> allowed) {
        return allowed.stream()
                .map(a -> Map.entry(a, distance(key.toLowerCase(Locale.ROOT), a)))
                .filter(e -> e.getValue() <= Math.max(2, e.getKey().length() / 3))
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue()).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
