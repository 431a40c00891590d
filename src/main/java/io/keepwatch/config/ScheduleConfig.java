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
 * @param export where a scheduled {@code export} writes its archives, with which key, and how many it keeps
 */
public record ScheduleConfig(Map<Job, CronSchedule> crons, double checkReadFraction, Optional<RepositoryConfig> repository,
        Optional<Export> export) {
    public static final double DEFAULT_CHECK_FRACTION = 0.05;
    public static final int DEFAULT_EXPORT_KEEP = 3;

    /**
     * The scheduled export's archives.
     *
     * @param folder {@code export_to}: each archive is {@code keepwatch-<host>-<UTC time>.kwx} in it
     * @param keyFile {@code export_key_file}, else the repository's key file
     * @param passphraseFile the key file's passphrase file (the repository's, with its key file)
     * @param keep {@code export_keep}: the newest this many archives of this host are kept, older ones deleted
     */
    public record Export(java.nio.file.Path folder, java.nio.file.Path keyFile, Optional<java.nio.file.Path> passphraseFile, int keep) {
    }

    /** Schedules without an export. */
    public ScheduleConfig(Map<Job, CronSchedule> crons, double checkReadFraction, Optional<RepositoryConfig> repository) {
        this(crons, checkReadFraction, repository, Optional.empty());
    }

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
        PRUNE(false),
        /** {@code keepwatch export}: the backup in one encrypted archive file, in {@code export_to}. */
        EXPORT(false);

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
