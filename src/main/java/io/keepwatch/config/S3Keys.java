package io.keepwatch.config;

import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.Set;

/** Reads {@code repository.s3} of config.json ({@link S3Config}); only names of files that hold secrets, never a secret. */
final class S3Keys {
    static final Set<String> KEYS = Set.of("region", "path_style", "credentials_file", "profile", "checksum", "parallel_uploads",
            "bandwidth_limit", "part_size_mib", "retry_max_seconds", "append_only", "object_lock");
    private static final Set<String> LOCK_KEYS = Set.of("mode", "retain_days");
    static final String EXAMPLE = "{\"region\": \"eu-central-1\", \"credentials_file\": \"/root/.keepwatch-s3\"}";

    private S3Keys() {
    }

    static S3Config read(Section s) throws ConfigException {
        S3Config d = S3Config.defaults();
        String region = s.text("region", d.region());
        if (region.isBlank() || !region.matches("[a-z0-9-]+")) {
            throw s.error(s.key("region"), "'" + region + "' is not a region name (such as us-east-1)");
        }
        Optional<Boolean> pathStyle = s.has("path_style") ? Optional.of(bool(s, "path_style")) : Optional.empty();
        Optional<Path> credentials = s.has("credentials_file")
                ? Optional.of(s.path(s.raw("credentials_file"), s.key("credentials_file"))) : Optional.empty();
        Optional<String> profile = s.has("profile") ? Optional.of(s.text("profile", "")) : Optional.empty();
        if (profile.isPresent() && profile.get().isBlank()) {
            throw s.error(s.key("profile"), "is empty");
        }
        String checksum = s.text("checksum", "when_required");
        boolean whenSupported = switch (checksum) {
            case "when_required" -> false;
            case "when_supported" -> true;
            default -> throw s.error(s.key("checksum"), "must be \"when_required\" or \"when_supported\", not \"" + checksum + "\"");
        };
        int parallel = s.count(ConfigKeys.S3_PARALLEL_UPLOADS, d.parallelUploads());
        long bandwidth = s.number(ConfigKeys.S3_BANDWIDTH_LIMIT, 0);
        long partSize = s.number(ConfigKeys.S3_PART_SIZE_MIB, d.partSize() >> 20) << 20;
        Duration retry = s.duration(ConfigKeys.S3_RETRY_MAX_SECONDS, ChronoUnit.SECONDS, d.retryFor());
        boolean appendOnly = s.has("append_only") && bool(s, "append_only");
        Optional<S3Config.ObjectLock> lock = Optional.empty();
        if (s.has("object_lock")) {
            Section l = s.child("object_lock", LOCK_KEYS, "{\"mode\": \"governance\", \"retain_days\": 30}");
            String mode = l.text(l.required("mode"), l.key("mode"));
            boolean compliance = switch (mode) {
                case "governance" -> false;
                case "compliance" -> true;
                default -> throw l.error(l.key("mode"), "must be \"governance\" or \"compliance\", not \"" + mode + "\"");
            };
            if (!l.has("retain_days")) {
                throw new ConfigException(l.file() + ": missing required key '" + l.key("retain_days") + "'");
            }
            lock = Optional.of(new S3Config.ObjectLock(compliance, l.duration(ConfigKeys.S3_RETAIN_DAYS, ChronoUnit.DAYS, Duration.ZERO)));
        }
        return new S3Config(region, pathStyle, credentials, profile, whenSupported, parallel, bandwidth, partSize, retry, appendOnly, lock);
    }

    private static boolean bool(Section s, String name) throws ConfigException {
        var v = s.raw(name);
        if (!v.isBoolean()) {
            throw s.error(s.key(name), "must be true or false, not " + Section.describe(v));
        }
        return v.asBoolean();
    }
}
