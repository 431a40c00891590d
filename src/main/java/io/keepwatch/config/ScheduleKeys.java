package io.keepwatch.config;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads the {@code schedules} section of config.json: a cron expression per job, and the share {@code check} reads. */
final class ScheduleKeys {
    static final String SUBSET = "check_read_data_subset";
    static final Set<String> KEYS = Set.of("verify", "check", "push", "prune", "export", SUBSET, "export_to", "export_key_file",
            "export_keep");
    static final String EXAMPLE = "{\"verify\": \"0 3 * * 0\", \"push\": \"0 * * * *\"}";

    private ScheduleKeys() {
    }

    static ScheduleConfig read(Section s, Optional<RepositoryConfig> repository) throws ConfigException {
        Map<ScheduleConfig.Job, CronSchedule> crons = new EnumMap<>(ScheduleConfig.Job.class);
        for (ScheduleConfig.Job job : ScheduleConfig.Job.values()) {
            if (!s.has(job.key())) {
                continue;
            }
            String text = s.text(s.required(job.key()), s.key(job.key()));
            try {
                crons.put(job, CronSchedule.parse(text));
            } catch (IllegalArgumentException e) {
                throw s.error(s.key(job.key()), e.getMessage());
            }
            if (job.needsRepository() && repository.flatMap(RepositoryConfig::keyFile).isEmpty()) {
                throw s.error(s.key(job.key()), "needs a repository: add \"repository\": {\"url\": ..., \"key_file\": ...} "
                        + "(see docs/repository.md)");
            }
        }
        double fraction = ScheduleConfig.DEFAULT_CHECK_FRACTION;
        if (s.has(SUBSET)) {
            String text = s.text(s.required(SUBSET), s.key(SUBSET));
            String number = text.endsWith("%") ? text.substring(0, text.length() - 1).trim() : text.trim();
            try {
                fraction = Double.parseDouble(number) / 100;
            } catch (NumberFormatException e) {
                fraction = -1;
            }
            if (!(fraction > 0 && fraction <= 1)) {
                throw s.error(s.key(SUBSET), "must be a percentage in (0, 100], e.g. \"5%\", not \"" + text + "\"");
            }
        }
        int keep = s.count(ConfigKeys.EXPORT_KEEP, ScheduleConfig.DEFAULT_EXPORT_KEEP);
        return new ScheduleConfig(crons, fraction, repository, crons.containsKey(ScheduleConfig.Job.EXPORT)
                ? Optional.of(export(s, repository, keep)) : Optional.empty());
    }

    private static ScheduleConfig.Export export(Section s, Optional<RepositoryConfig> repository, int keep) throws ConfigException {
        if (!s.has("export_to")) {
            throw s.error(s.key("export"), "needs \"export_to\": the folder the archives go to");
        }
        java.nio.file.Path folder = s.path(s.raw("export_to"), s.key("export_to"));
        java.nio.file.Path key;
        Optional<java.nio.file.Path> pass = Optional.empty();
        if (s.has("export_key_file")) {
            key = s.path(s.raw("export_key_file"), s.key("export_key_file"));
        } else if (repository.flatMap(RepositoryConfig::keyFile).isPresent()) {
            key = repository.get().keyFile().get();
            pass = repository.get().passphraseFile();
        } else {
            throw s.error(s.key("export"), "needs a key file: \"export_key_file\", or a repository with its \"key_file\"");
        }
        return new ScheduleConfig.Export(folder, key, pass, keep);
    }
}
