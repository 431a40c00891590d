package io.keepwatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * One JSON object of config.json (the top level, {@code watch}, {@code retention}, ...), read key by key with
 * its type checked: whole numbers against their {@link NumberKey} range, durations in a unit, strings, and
 * paths resolved against the config file's folder and checked for kind. Unknown keys are refused when the
 * section is opened. Every problem is a {@link ConfigException} of one line naming the file and the dotted key;
 * a section that is absent from the file reads as all defaults.
 */
final class Section {
    private final Path file;
    private final String prefix;
    private final JsonNode node;

    private Section(Path file, String prefix, JsonNode node) {
        this.file = file;
        this.prefix = prefix;
        this.node = node;
    }

    /** The top-level object, its keys checked against {@code allowed}. */
    static Section top(Path file, JsonNode root, Set<String> allowed) throws ConfigException {
        Section s = new Section(file, "", root);
        s.checkKeys(root, allowed, "");
        return s;
    }

    /**
     * The object under {@code name}, its keys checked against {@code allowed}; an absent object reads as all
     * defaults (null, like any other non-object, is an error).
     *
     * @param example shown when the value is not an object, e.g. {@code {"debounce_ms": 1000}}
     */
    Section child(String name, Set<String> allowed, String example) throws ConfigException {
        JsonNode value = node == null ? null : node.get(name);
        String key = key(name);
        if (value != null && !value.isObject()) {
            throw error(key, "must be an object, e.g. " + example + ", not " + describe(value));
        }
        if (value != null) {
            checkKeys(value, allowed, key + ".");
        }
        return new Section(file, key + ".", value);
    }

    /** An object that is an element of a list ({@code fullKey} is e.g. {@code sources[1]}), its keys checked. */
    Section entry(String fullKey, JsonNode object, Set<String> allowed) throws ConfigException {
        checkKeys(object, allowed, fullKey + ".");
        return new Section(file, fullKey + ".", object);
    }

    /** The config file, as messages name it. */
    Path file() {
        return file;
    }

    /** The folder relative paths resolve against: the one holding the config file. */
    Path baseDir() {
        return file.getParent();
    }

    /** The dotted key of {@code name} in this section: {@code watch.debounce_ms}. */
    String key(String name) {
        return prefix + name;
    }

    /** Whether the key is written in the file, even as null. */
    boolean has(String name) {
        return node != null && node.has(name);
    }

    /** The raw value, or null when the key is absent; for lists and shapes no typed reader covers. */
    JsonNode raw(String name) {
        return node == null ? null : node.get(name);
    }

    /** A required key: absent or null is an error naming it. */
    JsonNode required(String name) throws ConfigException {
        JsonNode value = raw(name);
        if (value == null || value.isNull()) {
            throw new ConfigException(file + ": missing required key '" + key(name) + "'");
        }
        return value;
    }

    // ---- numbers ----

    /** A whole number within the key's range, or {@code fallback} when the key is absent. */
    long number(NumberKey k, long fallback) throws ConfigException {
        JsonNode value = valueOf(k);
        return value == null ? fallback : checked(k, value);
    }

    /** {@link #number} for keys whose range fits an int. */
    int count(NumberKey k, int fallback) throws ConfigException {
        if (k.max() > Integer.MAX_VALUE || k.min() < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(k.path() + ": range " + k.range() + " does not fit an int");
        }
        return Math.toIntExact(number(k, fallback));
    }

    /** A whole number of {@code unit}s within the key's range, or {@code fallback} when the key is absent. */
    Duration duration(NumberKey k, ChronoUnit unit, Duration fallback) throws ConfigException {
        return optionalDuration(k, unit).orElse(fallback);
    }

    /** A whole number of {@code unit}s within the key's range; empty when the key is absent. */
    Optional<Duration> optionalDuration(NumberKey k, ChronoUnit unit) throws ConfigException {
        JsonNode value = valueOf(k);
        return value == null ? Optional.empty() : Optional.of(Duration.of(checked(k, value), unit));
    }

    private JsonNode valueOf(NumberKey k) {
        if (!k.path().equals(key(k.name()))) {
            throw new IllegalArgumentException(k.path() + " is not a key of section '" + prefix + "'");
        }
        return raw(k.name());
    }

    /**
     * The value as a long, refused unless it is an integral JSON number within the range. Jackson's integral
     * nodes are checked with {@code canConvertToLong} before their value is taken, so a number too large for
     * a long is "out of range", never wrapped or truncated ({@code asInt()} would read 4294967297 as 1).
     */
    private long checked(NumberKey k, JsonNode value) throws ConfigException {
        if (!value.isIntegralNumber()) {
            String hint = value.isNull() ? "; leave the key out for the default" : "";
            throw new ConfigException(file + ": " + k.path() + " = " + shown(value) + " is not a whole number ("
                    + k.range() + ")" + hint);
        }
        if (!value.canConvertToLong() || value.longValue() < k.min() || value.longValue() > k.max()) {
            throw new ConfigException(file + ": " + k.path() + " = " + value + " is out of range (" + k.range() + ")");
        }
        return value.longValue();
    }

    /** The value as the user wrote it, for messages; long strings and whole lists and objects are shortened. */
    private static String shown(JsonNode value) {
        if (value.isContainerNode()) {
            return describe(value);
        }
        String text = value.toString();
        return text.length() > 60 ? text.substring(0, 57) + "..." : text;
    }

    // ---- strings and paths ----

    /** The string under {@code name}, or {@code fallback} when the key is absent. */
    String text(String name, String fallback) throws ConfigException {
        JsonNode value = raw(name);
        return value == null ? fallback : text(value, key(name));
    }

    /** {@code value} as a string; anything else is an error naming {@code fullKey}. */
    String text(JsonNode value, String fullKey) throws ConfigException {
        if (!value.isTextual()) {
            throw error(fullKey, "must be a string, not " + describe(value));
        }
        return value.asText();
    }

    /** {@code value} as an absolute, normalized path resolved against the config file's folder. */
    Path path(JsonNode value, String fullKey) throws ConfigException {
        String text = text(value, fullKey);
        if (text.isBlank()) {
            throw error(fullKey, "is empty");
        }
        try {
            return baseDir().resolve(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw error(fullKey, "'" + text + "' is not a valid path: " + e.getReason());
        }
    }

    /**
     * A folder keepwatch writes into (the backup root, the log folder): the path under {@code name}, or
     * {@code fallback} when absent. It must be a folder (or a symbolic link to one), or not exist yet with
     * nothing but folders on the way to it, so that it can be made; a regular file, a link to nothing or a
     * file standing where one of its parents goes is an error naming the key. Nothing is created here.
     */
    Path folder(String name, Path fallback) throws ConfigException {
        return folderKind(name, fallback);
    }

    /** {@link #folder(String, Path)} for a required key. */
    Path folder(String name) throws ConfigException {
        required(name);
        return folderKind(name, null);
    }

    private Path folderKind(String name, Path fallback) throws ConfigException {
        JsonNode value = raw(name);
        Path dir = value == null ? fallback : path(value, key(name));
        String shown = key(name) + " = '" + dir + "'" + (value == null ? " (the default)" : "");
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isDirectory(dir)) {
                return dir;
            }
            throw new ConfigException(file + ": " + shown + (Files.exists(dir)
                    ? " is a file, not a folder" : " is a symbolic link to something that does not exist")
                    + "; name a folder, or one that does not exist yet");
        }
        for (Path up = dir.getParent(); up != null; up = up.getParent()) {
            if (Files.exists(up, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(up)) {
                    throw new ConfigException(file + ": " + shown + " cannot be made: '" + up + "' is "
                            + (Files.exists(up) ? "a file, not a folder" : "a symbolic link to something that does not exist"));
                }
                break;
            }
        }
        return dir;
    }

    // ---- errors ----

    /** An error about the key {@code fullKey} (dotted, from the top): {@code <file>: 'key' message}. */
    ConfigException error(String fullKey, String message) {
        return new ConfigException(file + ": '" + fullKey + "' " + message);
    }

    private void checkKeys(JsonNode object, Set<String> allowed, String keyPrefix) throws ConfigException {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                String hint = nearest(key, allowed).map(s -> "; did you mean '" + keyPrefix + s + "'?")
                        .orElse("; allowed keys: " + String.join(", ", new TreeSet<>(allowed)));
                throw new ConfigException(file + ": unknown key '" + keyPrefix + key + "'" + hint);
            }
        }
    }

    static String describe(JsonNode node) {
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
