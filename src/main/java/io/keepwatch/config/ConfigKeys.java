package io.keepwatch.config;

import java.util.List;

/**
 * The allowed range of every number in config.json, in one place. The ranges keep every later computation
 * safe: a count fits an {@code int}, and a duration added to or taken from any instant of the next centuries
 * cannot overflow. docs/configuration.md lists the same ranges; {@code ConfigKeysTest} checks that it does,
 * and runs the table of bad values (below the minimum, above the maximum, overflowing, fractional, wrong type)
 * against every key listed in {@link #ALL}.
 *
 * <p>To add a number key: declare it here, add it to {@link #ALL}, read it with {@link Section#number},
 * {@link Section#count} or {@link Section#duration}, and give it a row in docs/configuration.md.
 */
public final class ConfigKeys {
    private ConfigKeys() {
    }

    /** 100 years: the longest any day count may be. */
    static final long CENTURY_DAYS = 36_500;

    public static final NumberKey MAX_VERSIONS_PER_FILE = new NumberKey("retention.max_versions_per_file", 1, 1_000_000);
    public static final NumberKey MAX_VERSION_AGE_DAYS = new NumberKey("retention.max_version_age_days", 1, CENTURY_DAYS);
    public static final NumberKey DELETED_KEEP_DAYS = new NumberKey("retention.deleted_keep_days", 1, CENTURY_DAYS);

    public static final NumberKey KEEP_LAST = new NumberKey("retention.keep_last", 0, 1_000_000);
    public static final NumberKey KEEP_HOURLY = new NumberKey("retention.keep_hourly", 0, 1_000_000);
    public static final NumberKey KEEP_DAILY = new NumberKey("retention.keep_daily", 0, 1_000_000);
    public static final NumberKey KEEP_WEEKLY = new NumberKey("retention.keep_weekly", 0, 1_000_000);
    public static final NumberKey KEEP_MONTHLY = new NumberKey("retention.keep_monthly", 0, 1_000_000);
    public static final NumberKey KEEP_YEARLY = new NumberKey("retention.keep_yearly", 0, 1_000_000);
    /** Whole percent of the backup disk; 99 leaves at least something to write into. */
    public static final NumberKey MIN_FREE_PERCENT = new NumberKey("retention.min_free_percent", 1, 99);

    public static final NumberKey DEBOUNCE_MS = new NumberKey("watch.debounce_ms", 10, 600_000);
    /** Up to a day: a file that never stops changing is backed up at least daily. */
    public static final NumberKey MAX_DELAY_MS = new NumberKey("watch.max_delay_ms", 10, 86_400_000);
    /** 0 saves the state after every batch; at most an hour of changes rely on the journal alone. */
    public static final NumberKey STATE_FLUSH_MS = new NumberKey("watch.state_flush_ms", 0, 3_600_000);
    /** Up to 30 days between safety-net passes. */
    public static final NumberKey RESCAN_INTERVAL_MINUTES = new NumberKey("watch.rescan_interval_minutes", 1, 43_200);
    public static final NumberKey QUEUE_CAPACITY = new NumberKey("watch.queue_capacity", 16, 10_000_000);
    /** The change log may grow to this share of state.json (percent) before state.json is written whole. */
    public static final NumberKey STATE_REWRITE_PERCENT = new NumberKey("watch.state_rewrite_percent", 1, 1_000);
    /** state.json is written whole at least this often while changes come in: up to a week. */
    public static final NumberKey STATE_REWRITE_MINUTES = new NumberKey("watch.state_rewrite_minutes", 1, 10_080);

    /** A share of a source's files, in percent (100: the share never holds deletions). */
    public static final NumberKey MAX_DELETE_PERCENT = new NumberKey("deletion_guard.max_delete_percent", 0, 100);
    public static final NumberKey MAX_DELETE_MIN_FILES = new NumberKey("deletion_guard.max_delete_min_files", 0, 1_000_000_000);

    /** Rows of the run history older than this are deleted. */
    public static final NumberKey HISTORY_KEEP_DAYS = new NumberKey("history.keep_days", 1, CENTURY_DAYS);

    /** How often at most {@code run} pushes into the repository: 1 s to a day. */
    public static final NumberKey REPLICATE_INTERVAL_SECONDS = new NumberKey("repository.replicate_interval_seconds", 1, 86_400);

    public static final NumberKey SMTP_PORT = new NumberKey("notify.email.smtp_port", 1, 65_535);
    /** 0: every repeat of a problem is told at once; at most a week. */
    public static final NumberKey QUIET_MINUTES = new NumberKey("notify.quiet_minutes", 0, 10_080);
    /** Up to a year without a successful pass before the service says so. */
    public static final NumberKey NO_SUCCESS_HOURS = new NumberKey("notify.no_success_hours", 1, 8_760);
    /** How many archives of this host a scheduled export keeps in its folder. */
    public static final NumberKey EXPORT_KEEP = new NumberKey("schedules.export_keep", 1, 1_000);
    /** 0: a source UNAVAILABLE is told at the next look (every 30 s); at most a week. */
    public static final NumberKey UNAVAILABLE_MINUTES = new NumberKey("notify.unavailable_minutes", 0, 10_080);
    /** The repository behind the backup by more than this is told: from a minute up to 30 days. */
    public static final NumberKey REPLICATION_LAG_MINUTES = new NumberKey("notify.replication_lag_minutes", 1, 43_200);

    /** Uploads to an S3 repository at the same time. */
    public static final NumberKey S3_PARALLEL_UPLOADS = new NumberKey("repository.s3.parallel_uploads", 1, 64);
    /** Upload bytes per second; 0: no limit. Up to 4 GB/s. */
    public static final NumberKey S3_BANDWIDTH_LIMIT = new NumberKey("repository.s3.bandwidth_limit", 0, 4_000_000_000L);
    /** S3 requires parts of at least 5 MiB; at most 512 MiB is held in memory per upload. */
    public static final NumberKey S3_PART_SIZE_MIB = new NumberKey("repository.s3.part_size_mib", 5, 512);
    /** How long one request is retried, up to a day. */
    public static final NumberKey S3_RETRY_MAX_SECONDS = new NumberKey("repository.s3.retry_max_seconds", 1, 86_400);
    public static final NumberKey S3_RETAIN_DAYS = new NumberKey("repository.s3.object_lock.retain_days", 1, CENTURY_DAYS);

    /** Every key above: the table test and the documentation check run over this list. */
    public static final List<NumberKey> ALL = List.of(MAX_VERSIONS_PER_FILE, MAX_VERSION_AGE_DAYS, DELETED_KEEP_DAYS,
            KEEP_LAST, KEEP_HOURLY, KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY, KEEP_YEARLY, MIN_FREE_PERCENT,
            DEBOUNCE_MS, MAX_DELAY_MS, STATE_FLUSH_MS, RESCAN_INTERVAL_MINUTES, QUEUE_CAPACITY, STATE_REWRITE_PERCENT,
            STATE_REWRITE_MINUTES, MAX_DELETE_PERCENT,
            MAX_DELETE_MIN_FILES, HISTORY_KEEP_DAYS, REPLICATE_INTERVAL_SECONDS,
            SMTP_PORT, QUIET_MINUTES, NO_SUCCESS_HOURS, UNAVAILABLE_MINUTES, REPLICATION_LAG_MINUTES, EXPORT_KEEP,
            S3_PARALLEL_UPLOADS, S3_BANDWIDTH_LIMIT, S3_PART_SIZE_MIB, S3_RETRY_MAX_SECONDS, S3_RETAIN_DAYS);
}
