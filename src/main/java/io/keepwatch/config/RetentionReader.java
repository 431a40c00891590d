package io.keepwatch.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code retention} object of config.json: the top-level one (the policy of every source, and the size
 * limits of the whole root) and a source's own (which replaces the keys it names). The keep rules
 * ({@code keep_*}, {@code staggered}, {@code max_versions_per_file}) are one group: a source naming any of them
 * replaces all of them. The old {@code max_versions_per_file} is {@code keep_last}; naming both is an error.
 * Numbers are read through {@link Section} against their {@link ConfigKeys} ranges; a source's keys have the same
 * ranges as the top-level ones.
 */
final class RetentionReader {
    private static final Set<String> KEEP_KEYS = Set.of("max_versions_per_file", "keep_last", "keep_hourly", "keep_daily",
            "keep_weekly", "keep_monthly", "keep_yearly", "keep_within", "staggered");
    static final Set<String> SOURCE_KEYS = union(KEEP_KEYS, Set.of("max_version_age_days", "deleted_keep_days",
            "time_zone", "versions_max_bytes", "deleted_max_bytes"));
    static final Set<String> ROOT_KEYS = union(SOURCE_KEYS, Set.of("min_free_bytes", "min_free_percent"));
    private static final Pattern SIZE = Pattern.compile("(\\d{1,19})\\s*([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);
    private static final NumberKey STAGGERED_MAX_AGE_DAYS = new NumberKey("retention.staggered.max_age_days", 0,
            ConfigKeys.CENTURY_DAYS);

    private RetentionReader() {
    }

    /** The top-level policy; its size limits are those of the whole root ({@link #rootCaps}). */
    static RetentionConfig root(Section s) throws ConfigException {
        return read(s, RetentionConfig.defaults()).withoutCaps();
    }

    /** The size limits of the whole root, from the top-level {@code retention}. */
    static RootCaps rootCaps(Section s) throws ConfigException {
        OptionalInt percent = s.has("min_free_percent")
                ? OptionalInt.of((int) s.number(ConfigKeys.MIN_FREE_PERCENT, 0)) : OptionalInt.empty();
        return new RootCaps(size(s, "versions_max_bytes"), size(s, "deleted_max_bytes"), size(s, "min_free_bytes"), percent);
    }

    /** A source's own policy: {@code inherited} with the keys it names replaced. */
    static RetentionConfig source(Section s, RetentionConfig inherited) throws ConfigException {
        return read(s, inherited);
    }

    private static RetentionConfig read(Section s, RetentionConfig inherited) throws ConfigException {
        KeepRules keep = keepRules(s).orElse(inherited.keep());
        Optional<Duration> age = s.has("max_version_age_days")
                ? s.optionalDuration(at(s, ConfigKeys.MAX_VERSION_AGE_DAYS), ChronoUnit.DAYS) : inherited.maxVersionAge();
        Optional<Duration> deleted = s.has("deleted_keep_days")
                ? s.optionalDuration(at(s, ConfigKeys.DELETED_KEEP_DAYS), ChronoUnit.DAYS) : inherited.deletedKeep();
        Optional<ZoneId> zone = s.has("time_zone") ? Optional.of(zone(s)) : inherited.zone();
        return new RetentionConfig(keep, age, deleted, zone, size(s, "versions_max_bytes"), size(s, "deleted_max_bytes"));
    }

    /** {@code k} as a key of section {@code s} (a source's {@code retention} has the ranges of the top-level one). */
    private static NumberKey at(Section s, NumberKey k) {
        return new NumberKey(s.key(k.name()), k.min(), k.max());
    }

    /** The keep rules the object names; empty when it names none. */
    private static Optional<KeepRules> keepRules(Section s) throws ConfigException {
        if (KEEP_KEYS.stream().noneMatch(s::has)) {
            return Optional.empty();
        }
        if (s.has("max_versions_per_file") && s.has("keep_last")) {
            throw s.error(s.key("max_versions_per_file"), "and '" + s.key("keep_last") + "' are the same rule; keep only 'keep_last'");
        }
        int last = s.has("max_versions_per_file") ? s.count(at(s, ConfigKeys.MAX_VERSIONS_PER_FILE), 0)
                : s.count(at(s, ConfigKeys.KEEP_LAST), 0);
        Optional<Duration> within = Optional.empty();
        if (s.has("keep_within")) {
            JsonNode w = s.raw("keep_within");
            within = w.isTextual() ? Durations.parse(w.asText()) : Optional.empty();
            if (within.isEmpty() || within.get().toDays() > ConfigKeys.CENTURY_DAYS) {
                throw s.error(s.key("keep_within"), "must be a duration of up to 36500 days such as \"7d\", \"12h\" or \"2w3d\", not "
                        + Section.describe(w));
            }
        }
        Optional<Duration> staggered = s.has("staggered") ? staggered(s) : Optional.empty();
        return Optional.of(new KeepRules(last, s.count(at(s, ConfigKeys.KEEP_HOURLY), 0), s.count(at(s, ConfigKeys.KEEP_DAILY), 0),
                s.count(at(s, ConfigKeys.KEEP_WEEKLY), 0), s.count(at(s, ConfigKeys.KEEP_MONTHLY), 0),
                s.count(at(s, ConfigKeys.KEEP_YEARLY), 0), within, staggered));
    }

    /** {@code true}: Syncthing's intervals up to 365 days; {@code {"max_age_days": N}} (0: no maximum); {@code false}: off. */
    private static Optional<Duration> staggered(Section s) throws ConfigException {
        JsonNode n = s.raw("staggered");
        if (n.isBoolean()) {
            return n.asBoolean() ? Optional.of(KeepRules.STAGGERED_MAX_AGE) : Optional.empty();
        }
        if (n.isObject()) {
            Section st = s.child("staggered", Set.of("max_age_days"), "{\"max_age_days\": 365}");
            return Optional.of(st.has("max_age_days")
                    ? st.optionalDuration(at(st, STAGGERED_MAX_AGE_DAYS), ChronoUnit.DAYS).orElseThrow()
                    : KeepRules.STAGGERED_MAX_AGE);
        }
        throw s.error(s.key("staggered"), "must be true, false or {\"max_age_days\": 365}, not " + Section.describe(n));
    }

    private static ZoneId zone(Section s) throws ConfigException {
        JsonNode n = s.raw("time_zone");
        String key = s.key("time_zone");
        if (!n.isTextual()) {
            throw s.error(key, "must be a time zone name such as \"Europe/Berlin\" or \"UTC\", not " + Section.describe(n));
        }
        if (n.asText().equals("local")) {
            return ZoneId.systemDefault();
        }
        try {
            return ZoneId.of(n.asText());
        } catch (DateTimeException e) {
            throw s.error(key, "'" + n.asText() + "' is not a time zone; use a name such as \"Europe/Berlin\", \"UTC\" or \"local\"");
        }
    }

    /**
     * A size in bytes: a whole number of at least 1, or a text such as "500MB", "20GiB" (KB/MB/GB/TB: powers of 1000;
     * KiB...TiB: of 1024); empty when the key is absent.
     */
    private static OptionalLong size(Section s, String name) throws ConfigException {
        JsonNode n = s.raw(name);
        if (n == null) {
            return OptionalLong.empty();
        }
        String key = s.key(name);
        if (n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 1) {
            return OptionalLong.of(n.asLong());
        }
        Matcher m = n.isTextual() ? SIZE.matcher(n.asText().trim()) : null;
        if (m != null && m.matches()) {
            String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
            int power = "BKMGT".indexOf(unit.charAt(0));
            long base = unit.contains("I") ? 1024 : 1000;
            try {
                long v = Long.parseLong(m.group(1));
                for (int i = 0; i < power; i++) {
                    v = Math.multiplyExact(v, base);
                }
                if (v >= 1) {
                    return OptionalLong.of(v);
                }
            } catch (ArithmeticException | NumberFormatException e) {
                throw s.error(key, "'" + n.asText() + "' is too large");
            }
        }
        throw s.error(key, "must be a number of bytes of at least 1, or a size such as \"500MB\" or \"20GiB\", not "
                + Section.describe(n));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new HashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }
}
