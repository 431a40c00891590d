package io.keepwatch.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code repository.s3} entry of config.json: how keepwatch talks to an {@code s3:} repository. Secrets are
 * never in it: credentials come from the environment, the AWS profile files, or the file {@code credentialsFile}.
 *
 * @param region the signing region ({@code us-east-1} unless said otherwise; MinIO and S3Proxy accept any)
 * @param pathStyle {@code http://host/bucket/key} when true, {@code http://bucket.host/key} when false; empty:
 *        virtual-host for {@code *.amazonaws.com}, path style for every other endpoint
 * @param credentialsFile an AWS-style credentials file (profile sections with {@code aws_access_key_id} and
 *        {@code aws_secret_access_key}) used instead of the default chain
 * @param profile the profile to use in that file or in the AWS profile files
 * @param checksumWhenSupported whether the SDK adds its own (trailing CRC) checksums to every request; false
 *        (the default) only where an operation requires one, which every S3-compatible server accepts. Each
 *        upload carries a checksum the server verifies either way (a signed body over http, else a Content-MD5).
 * @param parallelUploads how many uploads (packs, parts of a pack) run at the same time
 * @param bandwidthLimit upload bytes per second over all uploads together; 0 for no limit
 * @param partSize uploads larger than this are sent in parts of this size (multipart upload)
 * @param retryFor how long a request is retried (throttling, 5xx, network errors) before it fails
 * @param appendOnly keepwatch never deletes or overwrites anything in the bucket (prune is refused)
 * @param objectLock Object Lock retention written with every object, if any
 */
public record S3Config(String region, Optional<Boolean> pathStyle, Optional<Path> credentialsFile, Optional<String> profile,
        boolean checksumWhenSupported, int parallelUploads, long bandwidthLimit, long partSize, Duration retryFor,
        boolean appendOnly, Optional<ObjectLock> objectLock) {

    /** Object Lock retention: each object is kept unchangeable for {@code retain} after it is written. */
    public record ObjectLock(boolean compliance, Duration retain) {
    }

    public static final int DEFAULT_PARALLEL_UPLOADS = 4;
    /**
     * 64 MiB: every pack (16-24 MiB) goes up in one PUT, as restic's do (it sends multipart only above 200 MiB). In
     * parts of 8 MiB each pack took 5 requests (create, 3 parts, complete) and the server wrote it twice (the parts,
     * then the whole); on S3Proxy that was 19 s of its CPU for data set A instead of 13 s (docs/benchmarks.md).
     */
    public static final long DEFAULT_PART_SIZE = 64L << 20;
    public static final Duration DEFAULT_RETRY_FOR = Duration.ofSeconds(120);

    public static S3Config defaults() {
        return new S3Config("us-east-1", Optional.empty(), Optional.empty(), Optional.empty(), false, DEFAULT_PARALLEL_UPLOADS, 0,
                DEFAULT_PART_SIZE, DEFAULT_RETRY_FOR, false, Optional.empty());
    }
}
