package io.keepwatch.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.hash.HashAlgorithm;
import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** config.json validation: one clear line naming the key, for each kind of mistake. */
class ConfigLoaderTest {
    private FileSystem fs;
    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        fs = TestFs.unix();
        dir = fs.getPath("/etc/kw");
        Files.createDirectories(dir);
        Files.createDirectories(fs.getPath("/home/ann/docs"));
        Files.createDirectories(fs.getPath("/home/ann/music"));
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(fs.getPath("/home/ann/file.txt"), "x");
    }

    @AfterEach
    void tearDown() throws IOException {
        fs.close();
    }

    private Config load(String json) throws ConfigException, IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, json.replace('\'', '"'));
        return new ConfigLoader().load(file);
    }

    @Test
    void minimalConfigGetsDefaultsAndResolvesRelativePathsAgainstTheConfigFolder() throws Exception {
        Config c = load("{'sources': ['./src'], 'backup_root': '../backup'}");
        assertEquals(List.of(new SourceConfig("src", fs.getPath("/etc/kw/src"))), c.sources());
        assertEquals(fs.getPath("/etc/backup"), c.backupRoot());
        assertEquals(fs.getPath("/etc/kw/logs"), c.logDir());
        assertEquals(HashAlgorithm.SHA256, c.hashAlgorithm());
        assertEquals(RetentionConfig.defaults(), c.retention());
        assertEquals(WatchConfig.defaults(), c.watch());
    }

    @Test
    void fullConfig() throws Exception {
        Config c = load("""
                {'sources': [{'name': 'docs', 'path': '/home/ann/docs'}, '/home/ann/music'],
                 'backup_root': '/backup', 'log_dir': '/var/log/kw', 'hash_algorithm': 'SHA3-256',
                 'retention': {'max_versions_per_file': 3, 'max_version_age_days': 30, 'deleted_keep_days': 7},
                 'exclude': ['**/*.tmp'], 'watch': {'debounce_ms': 200, 'max_delay_ms': 5000}}""");
        assertEquals(List.of("docs", "music"), c.sources().stream().map(SourceConfig::name).toList());
        assertEquals(HashAlgorithm.SHA3_256, c.hashAlgorithm());
        assertEquals(new RetentionConfig(3, Optional.of(Duration.ofDays(30)), Optional.of(Duration.ofDays(7))), c.retention());
        assertEquals(List.of("**/*.tmp"), c.exclude());
        assertEquals(Duration.ofMillis(200), c.watch().debounce());
        assertEquals(Duration.ofMillis(5000), c.watch().maxDelay());
    }

    @Test
    void retentionRulesPerSourceAndForTheRoot() throws Exception {
        Config c = load("""
                {'sources': ['/home/ann/docs', {'name': 'media', 'path': '/home/ann/music',
                             'retention': {'keep_last': 2, 'versions_max_bytes': '50GiB', 'time_zone': 'UTC'}}],
                 'backup_root': '/backup',
                 'retention': {'keep_daily': 7, 'keep_weekly': 5, 'keep_monthly': 13, 'keep_yearly': 6, 'keep_within': '2d12h',
                               'staggered': {'max_age_days': 0}, 'deleted_keep_days': 90, 'time_zone': 'Europe/Berlin',
                               'versions_max_bytes': 1000, 'deleted_max_bytes': '2KB', 'min_free_percent': 10}}""");
        RetentionConfig docs = c.retention("docs");
        assertEquals(new KeepRules(0, 0, 7, 5, 13, 6, Optional.of(Duration.ofHours(60)), Optional.of(Duration.ZERO)), docs.keep());
        assertEquals(Optional.of(java.time.ZoneId.of("Europe/Berlin")), docs.zone());
        assertEquals(java.util.OptionalLong.empty(), docs.versionsMaxBytes(), "the top-level caps are the root's, not each source's");
        RetentionConfig media = c.retention("media");
        assertEquals(KeepRules.lastOnly(2), media.keep(), "naming a keep rule replaces all of them");
        assertEquals(Optional.of(Duration.ofDays(90)), media.deletedKeep(), "other keys are inherited");
        assertEquals(Optional.of(java.time.ZoneId.of("UTC")), media.zone());
        assertEquals(java.util.OptionalLong.of(50L << 30), media.versionsMaxBytes());
        assertEquals(new RootCaps(java.util.OptionalLong.of(1000), java.util.OptionalLong.of(2000), java.util.OptionalLong.empty(),
                java.util.OptionalInt.of(10)), c.rootCaps());
        assertEquals(RetentionConfig.defaults(), load("{'sources': ['./src'], 'backup_root': '/b'}").retention());
        assertEquals(KeepRules.lastOnly(10), RetentionConfig.defaults().keep());
    }

    @Test
    void backupRootAndLogDirInsideASourceAreSkippedInThatSource() throws Exception {
        Config c = load("{'sources': ['/home/ann'], 'backup_root': '/home/ann/backup', 'log_dir': '/home/ann/docs/logs'}");
        assertEquals(Set.of("backup", "docs/logs"), c.sources().get(0).internalExcludes());
    }

    @Test
    void deletionGuardDefaultsAtTheTopAndPerSourceKeyByKey() throws Exception {
        Config c = load("""
                {'sources': [{'name': 'docs', 'path': '/home/ann/docs', 'deletion_guard': {'max_delete_min_files': 10}},
                             '/home/ann/music'],
                 'backup_root': '/backup', 'deletion_guard': {'max_delete_percent': 20, 'marker_file': '.stfolder'}}""");
        assertEquals(new GuardConfig(20, 10, Optional.of(".stfolder")), c.sources().get(0).guard());
        assertEquals(new GuardConfig(20, 1000, Optional.of(".stfolder")), c.sources().get(1).guard());
        assertEquals(GuardConfig.DEFAULTS, load("{'sources': ['./src'], 'backup_root': '/b'}").sources().get(0).guard());
        assertEquals(new GuardConfig(50, 1000, Optional.empty()), GuardConfig.DEFAULTS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "percent above 100 | {'deletion_guard': {'max_delete_percent': 101}} | deletion_guard.max_delete_percent = 101 is out of range (0 to 100)",
            "percent not a number | {'deletion_guard': {'max_delete_percent': '50%'}} | deletion_guard.max_delete_percent = \"50%\" is not a whole number (0 to 100)",
            "min files overflow | {'deletion_guard': {'max_delete_min_files': 4294967297}} | deletion_guard.max_delete_min_files = 4294967297 is out of range (0 to 1000000000)",
            "marker with a slash | {'deletion_guard': {'marker_file': 'a/b'}} | 'deletion_guard.marker_file' must be one file name",
            "marker empty | {'deletion_guard': {'marker_file': ''}} | 'deletion_guard.marker_file' must be one file name",
            "marker dot dot | {'deletion_guard': {'marker_file': '..'}} | 'deletion_guard.marker_file' must be one file name",
            "marker not a string | {'deletion_guard': {'marker_file': 1}} | 'deletion_guard.marker_file' must be a string",
            "not an object | {'deletion_guard': 50} | 'deletion_guard' must be an object",
            "typo | {'deletion_guard': {'max_delete_precent': 5}} | unknown key 'deletion_guard.max_delete_precent'; did you mean 'deletion_guard.max_delete_percent'?",
    })
    void rejectsABadDeletionGuard(String name, String guard, String expected) {
        String top = guard.substring(1, guard.length() - 1);
        ConfigException e = assertThrows(ConfigException.class, () -> load("{'sources': ['./src'], 'backup_root': '/b', " + top + "}"));
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
        // The same keys per source are named with the source.
        ConfigException perSource = assertThrows(ConfigException.class,
                () -> load("{'sources': [{'path': './src', " + top + "}], 'backup_root': '/b'}"));
        assertTrue(perSource.getMessage().contains(expected.replace("deletion_guard", "sources[0].deletion_guard")),
                "message was: " + perSource.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "typo with suggestion | {'sources': ['./src'], 'backup_root': '/b', 'retenion': {}} | unknown key 'retenion'; did you mean 'retention'?",
            "nested typo | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'max_version_per_file': 3}} | unknown key 'retention.max_version_per_file'; did you mean 'retention.max_versions_per_file'?",
            "unknown key far from any | {'sources': ['./src'], 'backup_root': '/b', 'colour': 1} | unknown key 'colour'; allowed keys:",
            "missing backup_root | {'sources': ['./src']} | missing required key 'backup_root'",
            "missing sources | {'backup_root': '/b'} | missing required key 'sources'",
            "wrong type | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'max_versions_per_file': 'ten'}} | retention.max_versions_per_file = \"ten\" is not a whole number (1 to 1000000)",
            "zero versions | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'max_versions_per_file': 0}} | retention.max_versions_per_file = 0 is out of range (1 to 1000000)",
            "section not an object | {'sources': ['./src'], 'backup_root': '/b', 'watch': 1000} | 'watch' must be an object, e.g. {\"debounce_ms\": 1000}, not the number 1000",
            "section null | {'sources': ['./src'], 'backup_root': '/b', 'retention': null} | 'retention' must be an object, e.g. {\"keep_last\": 10, \"keep_daily\": 7}, not null",
            "old and new name of one rule | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'max_versions_per_file': 3, 'keep_last': 3}} | 'retention.max_versions_per_file' and 'retention.keep_last' are the same rule; keep only 'keep_last'",
            "bad duration | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'keep_within': '7 days'}} | 'retention.keep_within' must be a duration of up to 36500 days such as \"7d\", \"12h\" or \"2w3d\", not the string \"7 days\"",
            "bad zone | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'time_zone': 'Mars/Olympus'}} | 'retention.time_zone' 'Mars/Olympus' is not a time zone",
            "bad size | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'versions_max_bytes': '10 parsecs'}} | 'retention.versions_max_bytes' must be a number of bytes of at least 1, or a size such as \"500MB\" or \"20GiB\", not the string \"10 parsecs\"",
            "bad staggered | {'sources': ['./src'], 'backup_root': '/b', 'retention': {'staggered': 'yes'}} | 'retention.staggered' must be true, false or {\"max_age_days\": 365}, not the string \"yes\"",
            "disk limit in a source | {'sources': [{'path': './src', 'retention': {'min_free_percent': 5}}], 'backup_root': '/b'} | unknown key 'sources[0].retention.min_free_percent'",
            "source count out of range | {'sources': [{'path': './src', 'retention': {'keep_daily': -1}}], 'backup_root': '/b'} | sources[0].retention.keep_daily = -1 is out of range (0 to 1000000)",
            "unknown key in a source | {'sources': [{'path': './src', 'nmae': 'x'}], 'backup_root': '/b'} | unknown key 'sources[0].nmae'; did you mean 'sources[0].name'?",
            "source path missing | {'sources': [{'name': 'x'}], 'backup_root': '/b'} | missing required key 'sources[0].path'",
            "backup_root not a string | {'sources': ['./src'], 'backup_root': 42} | 'backup_root' must be a string, not the number 42",
            "log_dir empty | {'sources': ['./src'], 'backup_root': '/b', 'log_dir': ' '} | 'log_dir' is empty",
            "hash_algorithm not a string | {'sources': ['./src'], 'backup_root': '/b', 'hash_algorithm': 256} | 'hash_algorithm' must be a string, not the number 256",
            "exclude entry not a string | {'sources': ['./src'], 'backup_root': '/b', 'exclude': [1]} | 'exclude[0]' must be a string, not the number 1",
            "sources not a list | {'sources': './src', 'backup_root': '/b'} | 'sources' must be a list of folders",
            "empty sources | {'sources': [], 'backup_root': '/b'} | 'sources' is empty",
            "source missing | {'sources': ['/nope'], 'backup_root': '/b'} | 'sources[0]' source folder '/nope' does not exist",
            "source is a file | {'sources': ['/home/ann/file.txt'], 'backup_root': '/b'} | 'sources[0]' '/home/ann/file.txt' is not a folder",
            "overlap | {'sources': ['/home/ann', '/home/ann/docs'], 'backup_root': '/b'} | 'sources[1]' '/home/ann/docs' overlaps sources[0] '/home/ann'",
            "same source twice | {'sources': ['/home/ann/docs', {'name': 'd2', 'path': '/home/ann/docs'}], 'backup_root': '/b'} | 'sources[1]' '/home/ann/docs' overlaps sources[0]",
            "source inside backup root | {'sources': ['/home/ann/docs'], 'backup_root': '/home/ann'} | 'sources[0]' '/home/ann/docs' is inside the backup root '/home/ann'",
            "backup root equals source | {'sources': ['/home/ann/docs'], 'backup_root': '/home/ann/docs'} | 'sources[0]' '/home/ann/docs' is the backup root",
            "duplicate names | {'sources': ['/home/ann/docs', {'name': 'DOCS', 'path': '/home/ann/music'}], 'backup_root': '/b'} | source name 'DOCS' is already used by sources[0]",
            "reserved name | {'sources': [{'name': 'versions', 'path': '/home/ann/docs'}], 'backup_root': '/b'} | source name 'versions' is reserved",
            "unsafe name | {'sources': [{'name': 'a/b', 'path': '/home/ann/docs'}], 'backup_root': '/b'} | source name 'a/b' contains '/'",
            "unknown algorithm | {'sources': ['./src'], 'backup_root': '/b', 'hash_algorithm': 'crc32'} | 'hash_algorithm' unknown algorithm 'crc32'; allowed: sha256, sha512, sha1, md5, sha3-256",
            "bad glob | {'sources': ['./src'], 'backup_root': '/b', 'exclude': ['a[b']} | 'exclude' invalid pattern 'a[b': unclosed [",
            "max delay below debounce | {'sources': ['./src'], 'backup_root': '/b', 'watch': {'debounce_ms': 500, 'max_delay_ms': 100}} | 'watch.max_delay_ms' (100) must not be shorter than watch.debounce_ms (500)",
            "not an object | ['./src'] | the configuration must be a JSON object",
    })
    void rejects(String name, String json, String expected) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(json));
        assertTrue(e.getMessage().startsWith("/etc/kw/config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "message was: " + e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    /** backup_root and log_dir are folders keepwatch writes into: a folder, or a path that can become one. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "backup_root is a file | 'backup_root': '/home/ann/file.txt' | backup_root = '/home/ann/file.txt' is a file, not a folder; name a folder, or one that does not exist yet",
            "log_dir is a file | 'backup_root': '/b', 'log_dir': '/home/ann/file.txt' | log_dir = '/home/ann/file.txt' is a file, not a folder",
            "default log_dir is a file | 'backup_root': '/b' | log_dir = '/etc/kw/logs' (the default) is a file, not a folder",
            "backup_root under a file | 'backup_root': '/home/ann/file.txt/backup' | backup_root = '/home/ann/file.txt/backup' cannot be made: '/home/ann/file.txt' is a file, not a folder",
            "log_dir under a file | 'backup_root': '/b', 'log_dir': '/home/ann/file.txt/a/logs' | log_dir = '/home/ann/file.txt/a/logs' cannot be made: '/home/ann/file.txt' is a file, not a folder",
            "backup_root a link to nothing | 'backup_root': '/home/ann/dangling' | backup_root = '/home/ann/dangling' is a symbolic link to something that does not exist",
            "backup_root under a link to nothing | 'backup_root': '/home/ann/dangling/backup' | backup_root = '/home/ann/dangling/backup' cannot be made: '/home/ann/dangling' is a symbolic link to something that does not exist",
            "backup_root a link to a file | 'backup_root': '/home/ann/to-file' | backup_root = '/home/ann/to-file' is a file, not a folder",
    })
    void aFolderKeepwatchWritesIntoMustBeAFolderOrNotExistYet(String name, String keys, String expected) throws IOException {
        Files.writeString(dir.resolve("logs"), "a file where the default log folder goes");
        Files.createSymbolicLink(fs.getPath("/home/ann/dangling"), fs.getPath("/nowhere"));
        Files.createSymbolicLink(fs.getPath("/home/ann/to-file"), fs.getPath("/home/ann/file.txt"));
        String json = "{'sources': ['./src'], " + keys + (keys.contains("log_dir") || name.contains("default") ? "" : ", 'log_dir': '/l'") + "}";
        ConfigException e = assertThrows(ConfigException.class, () -> load(json));
        assertTrue(e.getMessage().startsWith("/etc/kw/config.json: " + expected), e.getMessage());
    }

    @Test
    void aFolderALinkToAFolderOrAPathBelowAFolderIsAcceptedAndNothingIsMade() throws Exception {
        Files.createSymbolicLink(fs.getPath("/home/ann/to-docs"), fs.getPath("/home/ann/docs"));
        Config c = load("{'sources': ['./src'], 'backup_root': '/home/ann/to-docs', 'log_dir': '/home/ann/music/new/logs'}");
        assertEquals(fs.getPath("/home/ann/to-docs"), c.backupRoot());
        assertEquals(fs.getPath("/home/ann/music/new/logs"), c.logDir());
        assertTrue(!Files.exists(fs.getPath("/home/ann/music/new")));
    }

    @Test
    void syntaxErrorNamesLineAndColumn() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("{\n  'sources': ['./src'],\n  'backup_root': '/b',,\n}"));
        assertTrue(e.getMessage().contains("invalid JSON at line 3, column"), e.getMessage());
    }

    @Test
    void anUnclosedArraySaysWhereItStartedWithoutJacksonsSourceDescription() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> load("{'sources': ['./src'], 'backup_root': '/b',\n 'exclude': [}"));
        assertEquals("/etc/kw/config.json: invalid JSON at line 2, column 14: Unexpected close marker '}': expected ']'"
                + " (for Array starting at line 2, column 13)", e.getMessage());
    }

    @Test
    void missingFileSaysHowToPointAtOne() {
        ConfigException e = assertThrows(ConfigException.class, () -> new ConfigLoader().load(dir.resolve("nope.json")));
        assertEquals("/etc/kw/nope.json: config file not found (use -c PATH or set KEEPWATCH_CONFIG)", e.getMessage());
    }

    @Test
    void loadingWritesNothing() throws Exception {
        load("{'sources': ['./src'], 'backup_root': '/fresh/backup', 'log_dir': '/fresh/logs'}");
        assertTrue(!Files.exists(fs.getPath("/fresh")));
    }

    @Test
    void schedulesAreCronExpressionsAndTheRepositoryJobsNeedARepository() throws Exception {
        Config c = load("{'sources': ['./src'], 'backup_root': '/backup', 'repository': {'url': '/repo', 'key_file': 'repo.key'}, "
                + "'schedules': {'verify': '0 3 * * 0', 'push': '15 * * * *', 'check': '0 4 * * 0', 'check_read_data_subset': '10%'}}");
        assertEquals(java.util.Set.of(ScheduleConfig.Job.VERIFY, ScheduleConfig.Job.PUSH, ScheduleConfig.Job.CHECK),
                c.schedules().crons().keySet());
        assertEquals(CronSchedule.parse("15 * * * *"), c.schedules().crons().get(ScheduleConfig.Job.PUSH));
        assertEquals(0.10, c.schedules().checkReadFraction(), 1e-9);
        assertTrue(load("{'sources': ['./src'], 'backup_root': '/backup'}").schedules().isEmpty());

        ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> load("{'sources': ['./src'], 'backup_root': '/backup', 'schedules': {'verify': 'weekly'}}"));
        assertEquals("/etc/kw/config.json: 'schedules.verify' 'weekly' is not a cron expression of five fields (minute hour "
                + "day-of-month month day-of-week, e.g. \"0 3 * * 0\" for Sundays at 03:00)", bad.getMessage());
        ConfigException noRepo = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> load("{'sources': ['./src'], 'backup_root': '/backup', 'schedules': {'push': '0 * * * *'}}"));
        assertTrue(noRepo.getMessage().startsWith("/etc/kw/config.json: 'schedules.push' needs a repository"), noRepo.getMessage());
        ConfigException subset = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> load("{'sources': ['./src'], 'backup_root': '/backup', 'schedules': {'check_read_data_subset': '0%'}}"));
        assertTrue(subset.getMessage().contains("'schedules.check_read_data_subset' must be a percentage in (0, 100]"),
                subset.getMessage());
        ConfigException noFolder = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> load("{'sources': ['./src'], 'backup_root': '/backup', 'schedules': {'export': '0 * * * *'}}"));
        assertEquals("/etc/kw/config.json: 'schedules.export' needs \"export_to\": the folder the archives go to", noFolder.getMessage());
        ConfigException noKey = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> load("{'sources': ['./src'], 'backup_root': '/backup', 'schedules': {'export': '0 * * * *', 'export_to': '/usb'}}"));
        assertTrue(noKey.getMessage().contains("'schedules.export' needs a key file"), noKey.getMessage());
        ScheduleConfig.Export e = load("{'sources': ['./src'], 'backup_root': '/backup', 'repository': {'url': '/repo', "
                + "'key_file': 'repo.key'}, 'schedules': {'export': '0 1 * * 6', 'export_to': '/usb'}}").schedules().export().orElseThrow();
        assertEquals(new ScheduleConfig.Export(fs.getPath("/usb"), fs.getPath("/etc/kw/repo.key"), java.util.Optional.empty(), 3), e);
    }
}
