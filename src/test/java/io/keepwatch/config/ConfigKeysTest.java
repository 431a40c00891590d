package io.keepwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every number key of config.json ({@link ConfigKeys#ALL}) against the same table of values: both ends of its
 * range load, and a value below the minimum, above the maximum, too large for an int or a long, fractional,
 * a string, a boolean, null, a list or an object is refused with one line naming the key, the value as
 * written and the range. And docs/configuration.md states the range the loader enforces.
 */
class ConfigKeysTest {
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private FileSystem fs;
    private Path file;

    @BeforeEach
    void setUp() throws IOException {
        fs = TestFs.unix();
        Files.createDirectories(fs.getPath("/etc/kw/src"));
        file = fs.getPath("/etc/kw/config.json");
    }

    @AfterEach
    void tearDown() throws IOException {
        fs.close();
    }

    /**
     * A valid config with {@code key} set to the JSON text {@code value}. The other watch timings are set so
     * that both ends of each range pass the check that max_delay_ms is not shorter than debounce_ms.
     */
    private Config load(NumberKey key, String value) throws IOException, ConfigException {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode root = m.createObjectNode();
        root.putArray("sources").add("./src");
        root.put("backup_root", "/b");
        root.putObject("watch").put("debounce_ms", ConfigKeys.DEBOUNCE_MS.min()).put("max_delay_ms", ConfigKeys.MAX_DELAY_MS.max());
        // A key in an object within a section (notify.email.smtp_port) comes with the keys that object requires.
        root.putObject("notify").putObject("email").put("smtp_host", "localhost").put("from", "kw@example.org")
                .put("to", "ops@example.org");
        // A key of repository.s3 comes with the repository's url (and object_lock's with its mode).
        if (key.path().startsWith("repository.")) {
            root.putObject("repository").put("url", "s3:http://127.0.0.1:9000/bucket");
        }
        if (key.path().startsWith("repository.s3.object_lock.")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) root.get("repository")).putObject("s3").putObject("object_lock")
                    .put("mode", "governance");
        }
        String[] parts = key.path().split("\\.");
        com.fasterxml.jackson.databind.node.ObjectNode at = root;
        for (int i = 0; i < parts.length - 1; i++) {
            at = at.has(parts[i]) ? (com.fasterxml.jackson.databind.node.ObjectNode) at.get(parts[i]) : at.putObject(parts[i]);
        }
        at.set(parts[parts.length - 1], m.readTree(value));
        Files.writeString(file, m.writeValueAsString(root));
        return new ConfigLoader().load(file);
    }

    static Stream<NumberKey> keys() {
        return ConfigKeys.ALL.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void bothEndsOfTheRangeLoad(NumberKey key) throws Exception {
        load(key, String.valueOf(key.min()));
        load(key, String.valueOf(key.max()));
    }

    /** Each bad value of the table, as JSON text, for one key; and the words the error must use. */
    static Stream<Arguments> badValues() {
        List<Arguments> out = new ArrayList<>();
        for (NumberKey k : ConfigKeys.ALL) {
            String range = "(" + k.range() + ")";
            String outOfRange = "is out of range " + range;
            String notWhole = "is not a whole number " + range;
            out.add(Arguments.of(k, "below min", String.valueOf(k.min() - 1), outOfRange));
            out.add(Arguments.of(k, "above max", String.valueOf(k.max() + 1), outOfRange));
            out.add(Arguments.of(k, "wraps to 0 as an int", "4294967296", outOfRange));
            out.add(Arguments.of(k, "wraps to 1 as an int", "4294967297", outOfRange));
            out.add(Arguments.of(k, "overflows a long", LONG_MAX.add(BigInteger.ONE).toString(), outOfRange));
            out.add(Arguments.of(k, "overflows a long, negative", LONG_MAX.negate().subtract(BigInteger.TWO).toString(),
                    outOfRange));
            out.add(Arguments.of(k, "overflows everything", "1" + "0".repeat(40), outOfRange));
            out.add(Arguments.of(k, "fraction", "10.5", notWhole));
            out.add(Arguments.of(k, "whole but written as a fraction", "100.0", notWhole));
            out.add(Arguments.of(k, "exponent", "1e3", notWhole));
            out.add(Arguments.of(k, "string", "\"100\"", notWhole));
            out.add(Arguments.of(k, "boolean", "true", notWhole));
            out.add(Arguments.of(k, "null", "null", notWhole + "; leave the key out for the default"));
            out.add(Arguments.of(k, "list", "[100]", notWhole));
            out.add(Arguments.of(k, "object", "{\"value\": 100}", notWhole));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("badValues")
    void aBadValueIsRefusedNamingTheKeyTheValueAndTheRange(NumberKey key, String what, String json, String words) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(key, json));
        String shown = switch (what) {
            case "list" -> "a list";
            case "object" -> "an object";
            case "exponent" -> "1000.0";
            default -> json;
        };
        assertEquals("/etc/kw/config.json: " + key.path() + " = " + shown + " " + words, e.getMessage());
    }

    @Test
    void valuesInRangeAreReadExactlyInTheirUnit() throws Exception {
        assertEquals(1_000_000, load(ConfigKeys.MAX_VERSIONS_PER_FILE, "1000000").retention().maxVersionsPerFile());
        assertEquals(Optional.of(Duration.ofDays(36_500)),
                load(ConfigKeys.MAX_VERSION_AGE_DAYS, "36500").retention().maxVersionAge());
        assertEquals(Optional.of(Duration.ofDays(1)), load(ConfigKeys.DELETED_KEEP_DAYS, "1").retention().deletedKeep());
        assertEquals(Duration.ofMillis(600_000), load(ConfigKeys.DEBOUNCE_MS, "600000").watch().debounce());
        assertEquals(Duration.ofDays(1), load(ConfigKeys.MAX_DELAY_MS, "86400000").watch().maxDelay());
        assertEquals(Duration.ZERO, load(ConfigKeys.STATE_FLUSH_MS, "0").watch().stateFlush());
        assertEquals(Duration.ofDays(30), load(ConfigKeys.RESCAN_INTERVAL_MINUTES, "43200").watch().rescanInterval());
        assertEquals(10_000_000, load(ConfigKeys.QUEUE_CAPACITY, "10000000").watch().queueCapacity());
    }

    /** A row of docs/configuration.md's key table: {@code | `key` | meaning | default | min to max unit |}. */
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9_.]+)` \\|.*\\| ([-\\d,]+) to ([-\\d,]+)( [a-z]+)? \\|$",
            Pattern.MULTILINE);

    @Test
    void theDocumentationStatesEachRangeTheLoaderEnforces() throws IOException {
        String doc = Files.readString(Path.of("docs/configuration.md"), StandardCharsets.UTF_8);
        Map<String, String> documented = new java.util.TreeMap<>();
        Matcher m = ROW.matcher(doc);
        while (m.find()) {
            documented.put(m.group(1), m.group(2) + " to " + m.group(3));
        }
        Map<String, String> enforced = new java.util.TreeMap<>();
        for (NumberKey k : ConfigKeys.ALL) {
            enforced.put(k.path(), String.format(Locale.ROOT, "%,d to %,d", k.min(), k.max()));
        }
        assertEquals(enforced, documented);
    }

    /** So that a key declared in ConfigKeys but left out of ALL cannot escape the table above. */
    @Test
    void everyDeclaredKeyIsInAllOnce() throws IllegalAccessException {
        List<NumberKey> declared = new ArrayList<>();
        for (Field f : ConfigKeys.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == NumberKey.class) {
                declared.add((NumberKey) f.get(null));
            }
        }
        assertEquals(Set.copyOf(declared), Set.copyOf(ConfigKeys.ALL));
        assertEquals(ConfigKeys.ALL.size(), ConfigKeys.ALL.stream().map(NumberKey::path).distinct().count());
        for (NumberKey k : ConfigKeys.ALL) {
            assertTrue(k.path().matches("[a-z_]+(\\.[a-z0-9_]+)+"), k.path());
        }
    }
}
