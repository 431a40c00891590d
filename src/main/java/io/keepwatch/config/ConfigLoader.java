package io.keepwatch.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads config.json into a validated {@link Config}. Every problem is a {@link ConfigException} whose
 * message is one line naming the file and the key. Reading a config never creates or changes anything.
 *
 * <p>Over 400 lines: it still reads the top level and several sections itself (sources, watch, deletion guard,
 * repository) while others have readers of their own (retention, notify, http, schedules). The next split moves
 * each remaining section into such a reader over {@link Section}.
 */
public final class ConfigLoader {
    /** Top-level names in the backup root that belong to keepwatch and so cannot name a source. */
    public static final Set<String> RESERVED_NAMES = Set.of("state.json", "versions", "_deleted", "_duplicates",
            ".keepwatch");

    private static final Set<String> TOP_KEYS = Set.of("sources", "backup_root", "log_dir", "hash_algorithm",
            "retention", "exclude", "watch", "repository", "deletion_guard", "history", "notify",
            "schedules", "http");
    private static final Set<String> REPOSITORY_KEYS = Set.of("url", "key_file", "passphrase_file", "s3", "replicate_interval_seconds");
    private static final Set<String> SOURCE_KEYS = Set.of("name", "path", "deletion_guard", "retention");
    private static final Set<String> WATCH_KEYS = Set.of("debounce_ms", "max_delay_ms", "state_flush_ms",
            "state_rewrite_percent", "state_rewrite_minutes",
            "rescan_interval_minutes", "queue_capacity");
    private static final Set<String> GUARD_KEYS = Set.of("max_delete_percent", "max_delete_min_files", "marker_file");
    private static final String GUARD_EXAMPLE = "{\"max_delete_percent\": 50}";
    private static final Set<String> HISTORY_KEYS = Set.of("keep_days");
    private static final Set<String> NOTIFY_KEYS = Set.of("email", "webhook", "quiet_minutes", "no_success_hours", "summary",
            "unavailable_minutes", "replication_lag_minutes");

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
        return loadWithDigest(configFile).config();
    }

    /**
     * A loaded config with the SHA-256 of the very bytes it was read from: the service keeps it in its status
     * file, so {@code keepwatch status} can tell when the file on disk is no longer the one the service runs with.
     */
    public record Loaded(Config config, String sha256) {
    }

    public Loaded loadWithDigest(Path configFile) throws ConfigException {
        Path file = configFile.toAbsolutePath().normalize();
        byte[] bytes;
        JsonNode root;
        try {
            bytes = Files.readAllBytes(file);
            root = MAPPER.readTree(bytes);
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
        return new Loaded(new Reader(file).read(root), sha256(bytes));
    }

    /** The SHA-256 of a config file's bytes as they are now, in hex (as {@link Loaded#sha256}). */
    public static String digestOf(Path configFile) throws IOException {
        return sha256(Files.readAllBytes(configFile.toAbsolutePath().normalize()));
    }

    private static String sha256(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /**
     * The config file's {@code repository} entry, checked, without the rest of the config: a repository is
     * also opened on a new machine whose config names source folders that do not exist there yet.
     */
    public Optional<RepositoryConfig> repository(Path configFile) throws ConfigException {
        Path file = configFile.toAbsolutePath().normalize();
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": config file not found (use -c PATH, set KEEPWATCH_CONFIG, or give --repo and --key-file)");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read config file: " + e.getMessage(), e);
        }
        return root == null || !root.isObject() ? Optional.empty() : repository(Section.top(file, root, TOP_KEYS));
    }

    /**
     * The {@code repository} entry: {@code url} (a folder, resolved like other paths, or an {@code s3:} URL),
     * {@code key_file}, {@code passphrase_file}, and {@code s3} (how to talk to an {@code s3:} repository).
     */
    private static Optional<RepositoryConfig> repository(Section top) throws ConfigException {
        if (!top.has("repository")) {
            return Optional.empty();
        }
        Section r = top.child("repository", REPOSITORY_KEYS,
                "{\"url\": \"/mnt/usb/keepwatch-repo\", \"key_file\": \"/root/keepwatch.key\"}");
        String url = r.text(r.required("url"), "repository.url");
        if (url.isBlank()) {
            throw r.error("repository.url", "is empty");
        }
        if (!url.startsWith("s3:")) {
            url = r.path(r.raw("url"), "repository.url").toString();
        }
        Optional<Path> key = r.has("key_file") ? Optional.of(r.path(r.raw("key_file"), "repository.key_file")) : Optional.empty();
        Optional<Path> pass = r.has("passphrase_file")
                ? Optional.of(r.path(r.raw("passphrase_file"), "repository.passphrase_file")) : Optional.empty();
        S3Config s3 = r.has("s3") ? S3Keys.read(r.child("s3", S3Keys.KEYS, S3Keys.EXAMPLE)) : S3Config.defaults();
        return Optional.of(new RepositoryConfig(url, key, pass, s3, r.duration(ConfigKeys.REPLICATE_INTERVAL_SECONDS,
                ChronoUnit.SECONDS, RepositoryConfig.DEFAULT_INTERVAL)));
    }

    /** Jackson names where an array or object started as "[Source: REDACTED (...); line: 2, column: 13]". */
    private static final Pattern SOURCE_LOCATION = Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)]");

    private static String withoutSourceNoise(String message) {
        return SOURCE_LOCATION.matcher(message).replaceAll("line $1, column $2");
    }

    /**
     * Where the log folder of a config file is, as far as it can be told even when the file is invalid:
     * its {@code log_dir} if the file names one before anything in it goes wrong, else {@code logs} beside the
     * file. Used to put a configuration error into the log the user tails.
     */
    public Optional<Path> logDirHint(Path configFile) {
        Path file = configFile.toAbsolutePath().normalize();
        return Optional.of(pathHint(file, "log_dir").orElse(file.getParent().resolve("logs")));
    }

    /**
     * The backup root a config file names, as far as it can be told even when the file is invalid: its
     * {@code backup_root} if the file is JSON up to that key (a mistake further on does not matter). Used by
     * {@code status} to find the running service when only the file on disk is broken.
     */
    public Optional<Path> backupRootHint(Path configFile) {
        return pathHint(configFile.toAbsolutePath().normalize(), "backup_root");
    }

    /** The top-level string {@code key} as a path resolved like the loader does, read as far as the JSON is valid. */
    private static Optional<Path> pathHint(Path file, String key) {
        try (JsonParser p = MAPPER.getFactory().createParser(Files.readAllBytes(file))) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (name.equals(key)) {
                    return value == JsonToken.VALUE_STRING && !p.getText().isBlank()
                            ? Optional.of(file.getParent().resolve(p.getText()).toAbsolutePath().normalize())
                            : Optional.empty();
                }
                p.skipChildren();
            }
        } catch (IOException | InvalidPathException e) {
            // Unreadable, or not JSON before the key: nothing can be told.
        }
        return Optional.empty();
    }

    /** Reads one file; carries the file name for messages and the folder that relative paths resolve against. */
    private static final class Reader {
        private final Path file;
        private Section top;
        private RetentionConfig retention;
        private final Map<String, RetentionConfig> retentionOverrides = new HashMap<>();
        private Path backupRoot;

        Reader(Path file) {
            this.file = file;
        }

        Config read(JsonNode root) throws ConfigException {
            top = Section.top(file, root, TOP_KEYS);
            backupRoot = top.folder("backup_root");
            Path logDir = top.folder("log_dir", top.baseDir().resolve("logs"));
            HashAlgorithm algorithm = HashAlgorithm.SHA256;
            if (top.has("hash_algorithm")) {
                String name = top.text("hash_algorithm", null);
                algorithm = HashAlgorithm.byName(name).orElseThrow(() -> top.error("hash_algorithm",
                        "unknown algorithm '" + name + "'; allowed: " + HashAlgorithm.allowedNames()));
            }
            Section retentionSection = top.child("retention", RetentionReader.ROOT_KEYS, "{\"keep_last\": 10, \"keep_daily\": 7}");
            retention = RetentionReader.root(retentionSection);
            RootCaps caps = RetentionReader.rootCaps(retentionSection);
            List<String> exclude = exclude(top.raw("exclude"));
            WatchConfig watch = watch(top.child("watch", WATCH_KEYS, "{\"debounce_ms\": 1000}"));
            Optional<RepositoryConfig> repository = repository(top);
            HistoryConfig history = new HistoryConfig(top.child("history", HISTORY_KEYS, "{\"keep_days\": 400}")
                    .duration(ConfigKeys.HISTORY_KEEP_DAYS, ChronoUnit.DAYS, HistoryConfig.defaults().keep()));
            GuardConfig guard = guard(top.child("deletion_guard", GUARD_KEYS, GUARD_EXAMPLE), GuardConfig.DEFAULTS);
            List<SourceConfig> sources = sources(top.required("sources"), guard);
            checkLayout(sources, backupRoot);
            sources = withInternalExcludes(sources, List.of(backupRoot, logDir));
            NotifyConfig notifications = NotifyKeys.read(top.child("notify", NOTIFY_KEYS, "{\"quiet_minutes\": 60}"));
            ScheduleConfig schedules = ScheduleKeys.read(top.child("schedules", ScheduleKeys.KEYS, ScheduleKeys.EXAMPLE), repository);
            Optional<HttpConfig> http = HttpKeys.read(top);
            return new Config(file, sources, backupRoot, logDir, algorithm, retention, exclude, watch, retentionOverrides, caps,
                    history, notifications, schedules, http);
        }

        private List<SourceConfig> sources(JsonNode node, GuardConfig guard) throws ConfigException {
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
                GuardConfig sourceGuard = guard;
                if (item.isTextual()) {
                    path = top.path(item, key);
                    name = path.getFileName() == null ? "" : path.getFileName().toString();
                    if (name.isEmpty()) {
                        throw error(key, "'" + path + "' has no folder name; use {\"name\": \"...\", \"path\": \"...\"}");
                    }
                } else if (item.isObject()) {
                    Section entry = top.entry(key, item, SOURCE_KEYS);
                    path = top.path(entry.required("path"), key + ".path");
                    name = entry.has("name") ? entry.text("name", "")
                            : path.getFileName() == null ? "" : path.getFileName().toString();
                    sourceGuard = guard(entry.child("deletion_guard", GUARD_KEYS, GUARD_EXAMPLE), guard);
                    if (entry.has("retention")) {
                        retentionOverrides.put(name, RetentionReader.source(
                                entry.child("retention", RetentionReader.SOURCE_KEYS, "{\"keep_last\": 3}"), retention));
                    }
                } else {
                    throw error(key, "must be a path string or {\"name\": ..., \"path\": ...}, not " + Section.describe(item));
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
                sources.add(new SourceConfig(name, path, Set.of(), sourceGuard));
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
                out.add(new SourceConfig(s.name(), s.path(), inside, s.guard()));
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

        private WatchConfig watch(Section s) throws ConfigException {
            WatchConfig d = WatchConfig.defaults();
            Duration debounce = s.duration(ConfigKeys.DEBOUNCE_MS, ChronoUnit.MILLIS, d.debounce());
            Duration maxDelay = s.duration(ConfigKeys.MAX_DELAY_MS, ChronoUnit.MILLIS, d.maxDelay());
            if (maxDelay.compareTo(debounce) < 0) {
                throw top.error("watch.max_delay_ms", "(" + maxDelay.toMillis() + ") must not be shorter than watch.debounce_ms ("
                        + debounce.toMillis() + ")");
            }
            return new WatchConfig(debounce, maxDelay,
                    s.duration(ConfigKeys.STATE_FLUSH_MS, ChronoUnit.MILLIS, d.stateFlush()),
                    s.duration(ConfigKeys.RESCAN_INTERVAL_MINUTES, ChronoUnit.MINUTES, d.rescanInterval()),
                    s.count(ConfigKeys.QUEUE_CAPACITY, d.queueCapacity()),
                    s.count(ConfigKeys.STATE_REWRITE_PERCENT, d.stateRewritePercent()),
                    s.duration(ConfigKeys.STATE_REWRITE_MINUTES, ChronoUnit.MINUTES, d.stateRewriteInterval()));
        }

        /**
         * A {@code deletion_guard} section (at the top, or of one source): each key it has replaces the one of
         * {@code base} (the top-level guard, or the defaults).
         */
        private GuardConfig guard(Section s, GuardConfig base) throws ConfigException {
            String marker = s.text("marker_file", null);
            if (marker != null && (marker.isEmpty() || marker.equals(".") || marker.equals("..") || marker.contains("/")
                    || marker.contains("\\") || marker.indexOf('\0') >= 0)) {
                throw s.error(s.key("marker_file"), "must be one file name (e.g. \".stfolder\"), not '" + marker + "'");
            }
            return new GuardConfig(s.count(in(s, ConfigKeys.MAX_DELETE_PERCENT), base.maxDeletePercent()),
                    s.count(in(s, ConfigKeys.MAX_DELETE_MIN_FILES), base.maxDeleteMinFiles()),
                    marker == null ? base.markerFile() : Optional.of(marker));
        }

        /** A key of the top-level {@code deletion_guard}, as it is named in {@code s} (which may be a source's). */
        private static NumberKey in(Section s, NumberKey k) {
            return new NumberKey(s.key(k.name()), k.min(), k.max());
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
                globs.add(top.text(node.get(i), "exclude[" + i + "]"));
            }
            try {
                ExcludeRules.compile(globs);
            } catch (IllegalArgumentException e) {
                throw error("exclude", e.getMessage());
            }
            return globs;
        }

        private ConfigException error(String key, String message) {
            return top.error(key, message);
        }
    }
}
