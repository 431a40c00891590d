package io.keepwatch.config;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code schedules} section: when the service runs which job in the background.
 *
 * @param crons the jobs that are scheduled, with their cron expressions
 * @param checkReadFraction the share of the repository's packs a scheduled {@code check} reads and checks
 *     ({@code check_read_data_subset}, default 5%)
 * @param repository the config file's {@code repository} entry, which {@code check} and {@code push} need
 */
public record ScheduleConfig(Map<Job, CronSchedule> crons, double checkReadFraction, Optional<RepositoryConfig> repository) {
    public static final double DEFAULT_CHECK_FRACTION = 0.05;

    public ScheduleConfig {
        Map<Job, CronSchedule> copy = new EnumMap<>(Job.class);
        copy.putAll(crons);
        crons = java.util.Collections.unmodifiableMap(copy);
    }

    public static ScheduleConfig none() {
        return new ScheduleConfig(Map.of(), DEFAULT_CHECK_FRACTION, Optional.empty());
    }

    public boolean isEmpty() {
        return crons.isEmpty();
    }

    /** The jobs a schedule can run, in the order they run when several are due at once. */
    public enum Job {
        /** {@code keepwatch verify}: re-read the backup and check every hash. */
        VERIFY(false),
        /** {@code keepwatch check --read-data-subset}: the repository's structure and a share of its data. */
        CHECK(true),
        /** {@code keepwatch push}: a new snapshot of the backup in the repository. */
        PUSH(true),
        /** {@code keepwatch prune}: the retention policy applied to the backup root now. */
        PRUNE(false);

        private final boolean needsRepository;

        Job(boolean needsRepository) {
            this.needsRepository = needsRepository;
        }

        public boolean needsRepository() {
            return needsRepository;
        }

        /** Its key in {@code schedules} and its name in history and messages: {@code verify}, ... */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
