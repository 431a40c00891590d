package io.keepwatch.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keepwatch.events.Counts;
import io.keepwatch.events.EngineEvent.JobFinished.By;
import io.keepwatch.events.EngineEvent.JobFinished.Figures;
import io.keepwatch.events.FailureReason;
import io.keepwatch.events.Outcome;
import io.keepwatch.events.SourceState;
import io.keepwatch.events.Trigger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The history database: one connection, its schema migrated at open. Writers are the service and {@code once}
 * (one at a time: they hold the backup root's lock); readers ({@code keepwatch history}) open it read-only and see
 * the last committed rows while a writer goes on (WAL). Instants are stored as epoch milliseconds; lists as JSON.
 * Not thread-safe: one thread uses it (the recorder's, or the command's).
 *
 * <p>Over 400 lines: it owns the one connection, so the schema and its migrations, the writes and the queries of
 * all four row kinds (passes, failures, source states, jobs) live here. The next split is the schema and
 * migrations into a class of their own, with the row kinds' queries beside their records.
 */
public final class HistoryStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HistoryStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };
    /** The file's name in the backup root's private folder. */
    public static final String FILE_NAME = "history.db";

    /**
     * The schema, one step per version: {@code PRAGMA user_version} says how many ran. Steps are only ever
     * appended; a database from a newer keepwatch (a higher version) is read but not migrated down.
     */
    private static final List<String> MIGRATIONS = List.of("""
            CREATE TABLE passes (
              id INTEGER PRIMARY KEY,
              trigger TEXT NOT NULL,
              sources TEXT NOT NULL,
              started INTEGER NOT NULL,
              ended INTEGER NOT NULL,
              outcome TEXT NOT NULL,
              batches INTEGER NOT NULL,
              backed_up INTEGER NOT NULL, updated INTEGER NOT NULL, duplicates INTEGER NOT NULL, deleted INTEGER NOT NULL,
              unchanged INTEGER NOT NULL, failed INTEGER NOT NULL, pruned INTEGER NOT NULL, held INTEGER NOT NULL,
              bytes INTEGER NOT NULL,
              unavailable TEXT NOT NULL,
              error TEXT);
            CREATE INDEX passes_ended ON passes(ended);
            CREATE TABLE failures (
              id INTEGER PRIMARY KEY,
              at INTEGER NOT NULL,
              source TEXT NOT NULL,
              path TEXT NOT NULL,
              reason TEXT NOT NULL,
              message TEXT NOT NULL);
            CREATE INDEX failures_at ON failures(at);
            CREATE TABLE source_states (
              id INTEGER PRIMARY KEY,
              at INTEGER NOT NULL,
              source TEXT NOT NULL,
              from_state TEXT,
              to_state TEXT NOT NULL,
              reason TEXT);
            CREATE INDEX source_states_at ON source_states(at);
            """, """
            CREATE TABLE jobs (
              id INTEGER PRIMARY KEY,
              job TEXT NOT NULL,
              started INTEGER NOT NULL,
              ended INTEGER NOT NULL,
              outcome TEXT NOT NULL,
              summary TEXT NOT NULL,
              problems TEXT NOT NULL);
            CREATE INDEX jobs_ended ON jobs(ended);
            """, """
            ALTER TABLE jobs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'SCHEDULE';
            ALTER TABLE jobs ADD COLUMN files INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE jobs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE jobs ADD COLUMN damage INTEGER NOT NULL DEFAULT 0;
            """);

    private final Path file;
    private final Connection db;
    /** The schema version of the database as opened (a reader may open one written by an older keepwatch). */
    private final int version;

    private HistoryStore(Path file, Connection db, int version) {
        this.file = file;
        this.db = db;
        this.version = version;
    }

    /** The history file of a backup root's private folder ({@code .keepwatch}). */
    public static Path fileIn(Path privateDir) {
        return privateDir.resolve(FILE_NAME);
    }

    /**
     * Opens (or makes) the database for writing and migrates its schema. A file that is not a sound SQLite database
     * is moved aside (to {@code history.db.corrupt-<time>}, with its -wal and -shm files), logged, and made anew.
     */
    public static HistoryStore open(Path file, Clock clock) throws SQLException, IOException {
        Sqlite.nativeLibraryInto(file.getParent().resolve("native"));
        try {
            return openChecked(file);
        } catch (SQLException e) {
            if (!Sqlite.isCorrupt(e)) {
                throw e;
            }
            Path aside = moveAside(file, clock.instant());
            log.error("The run history {} is corrupt ({}); moved it aside to {} and started a new one. The backup is not affected.",
                    file, e.getMessage(), aside.getFileName());
            return openChecked(file);
        }
    }

    private static HistoryStore openChecked(Path file) throws SQLException, IOException {
        boolean made = !Files.exists(file);
        Connection c = Sqlite.open(file, false);
        try {
            if (made) {
                ownerOnly(file); // its -wal and -shm files are made with the same permissions
            }
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA quick_check")) {
                String verdict = r.next() ? r.getString(1) : "no answer";
                if (!"ok".equals(verdict)) {
                    throw new SQLException("quick_check: " + verdict + " (SQLITE_CORRUPT)");
                }
            }
            migrate(c);
            return new HistoryStore(file, c, userVersion(c));
        } catch (SQLException | IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The history tells what was backed up when: as private as the backup (no-op where there are no POSIX permissions). */
    private static void ownerOnly(Path file) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** Opens an existing database read-only, for {@code keepwatch history}; empty if there is none yet. */
    public static Optional<HistoryStore> openReadOnly(Path file) throws SQLException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Sqlite.nativeLibraryInto(file.getParent().resolve("native"));
        Connection c = Sqlite.open(file, true);
        try {
            int version = userVersion(c);
            if (version == 0) {
                c.close();
                return Optional.empty(); // made, not migrated yet: nothing recorded
            }
            return Optional.of(new HistoryStore(file, c, version));
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    static Path moveAside(Path file, Instant now) throws IOException {
        String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(now);
        Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + stamp);
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        for (String suffix : List.of("-wal", "-shm")) {
            Path extra = file.resolveSibling(file.getFileName() + suffix);
            if (Files.exists(extra)) {
                Files.move(extra, aside.resolveSibling(aside.getFileName() + suffix), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return aside;
    }

    private static int userVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA user_version")) {
            return r.next() ? r.getInt(1) : 0;
        }
    }

    /** Runs the schema steps this database has not had yet, each in a transaction with its new user_version. */
    private static void migrate(Connection c) throws SQLException {
        int version = userVersion(c);
        if (version > MIGRATIONS.size()) {
            log.warn("The run history was written by a newer keepwatch (schema {}, this one knows {}); writing to it anyway",
                    version, MIGRATIONS.size());
            return;
        }
        for (int v = version; v < MIGRATIONS.size(); v++) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                for (String sql : MIGRATIONS.get(v).split(";")) {
                    if (!sql.isBlank()) {
                        s.execute(sql);
                    }
                }
                s.execute("PRAGMA user_version = " + (v + 1));
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    public Path file() {
        return file;
    }

    // ---- writing ----

    /** Adds a pass; returns it with its id. */
    PassRow insert(PassRow p) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("INSERT INTO passes (trigger, sources, started, ended, outcome, batches, "
                + "backed_up, updated, duplicates, deleted, unchanged, failed, pruned, held, bytes, unavailable, error) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            bind(s, p);
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
                keys.next();
                return p.withId(keys.getLong(1));
            }
        }
    }

    /** Rewrites a pass row (a coalesced batch that grew). */
    void update(PassRow p) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("UPDATE passes SET trigger = ?, sources = ?, started = ?, ended = ?, "
                + "outcome = ?, batches = ?, backed_up = ?, updated = ?, duplicates = ?, deleted = ?, unchanged = ?, failed = ?, "
                + "pruned = ?, held = ?, bytes = ?, unavailable = ?, error = ? WHERE id = ?")) {
            bind(s, p);
            s.setLong(18, p.id());
            s.executeUpdate();
        }
    }

    private static void bind(PreparedStatement s, PassRow p) throws SQLException {
        Counts c = p.counts();
        s.setString(1, p.trigger().name());
        s.setString(2, json(p.sources()));
        s.setLong(3, p.started().toEpochMilli());
        s.setLong(4, p.ended().toEpochMilli());
        s.setString(5, p.outcome().name());
        s.setInt(6, p.batches());
        s.setInt(7, c.backedUp());
        s.setInt(8, c.updated());
        s.setInt(9, c.duplicates());
        s.setInt(10, c.deleted());
        s.setInt(11, c.unchanged());
        s.setInt(12, c.failed());
        s.setInt(13, c.pruned());
        s.setInt(14, p.held());
        s.setLong(15, c.bytes());
        s.setString(16, json(p.unavailable()));
        if (p.error().isPresent()) {
            s.setString(17, p.error().get());
        } else {
            s.setNull(17, Types.VARCHAR);
        }
    }

    void insert(FailureRow f) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("INSERT INTO failures (at, source, path, reason, message) VALUES (?, ?, ?, ?, ?)")) {
            s.setLong(1, f.at().toEpochMilli());
            s.setString(2, f.source());
            s.setString(3, f.path());
            s.setString(4, f.reason().name());
            s.setString(5, f.message());
            s.executeUpdate();
        }
    }

    void insert(StateRow r) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("INSERT INTO source_states (at, source, from_state, to_state, reason) VALUES (?, ?, ?, ?, ?)")) {
            s.setLong(1, r.at().toEpochMilli());
            s.setString(2, r.source());
            s.setString(3, r.from().map(Enum::name).orElse(null));
            s.setString(4, r.to().name());
            s.setString(5, r.reason().orElse(null));
            s.executeUpdate();
        }
    }

    void insert(JobRow j) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("INSERT INTO jobs (job, trigger, started, ended, outcome, summary, files, bytes, "
                + "damage, problems) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, j.job());
            s.setString(2, j.by().name());
            s.setLong(3, j.started().toEpochMilli());
            s.setLong(4, j.ended().toEpochMilli());
            s.setString(5, j.outcome().name());
            s.setString(6, j.summary());
            s.setLong(7, j.figures().files());
            s.setLong(8, j.figures().bytes());
            s.setLong(9, j.figures().damage());
            s.setString(10, json(j.problems()));
            s.executeUpdate();
        }
    }

    /** Deletes every row older than {@code cutoff} (a pass by its end); returns how many. */
    int deleteBefore(Instant cutoff) throws SQLException {
        int n = 0;
        long ms = cutoff.toEpochMilli();
        for (String sql : List.of("DELETE FROM passes WHERE ended < ?", "DELETE FROM failures WHERE at < ?",
                "DELETE FROM source_states WHERE at < ?", "DELETE FROM jobs WHERE ended < ?")) {
            try (PreparedStatement s = db.prepareStatement(sql)) {
                s.setLong(1, ms);
                n += s.executeUpdate();
            }
        }
        return n;
    }

    // ---- reading ----

    /** Passes that ended at or after {@code since}, of {@code source} if given, oldest first. */
    public List<PassRow> passes(Instant since, Optional<String> source) throws SQLException {
        String sql = "SELECT * FROM passes WHERE ended >= ?"
                + (source.isPresent() ? " AND EXISTS (SELECT 1 FROM json_each(passes.sources) WHERE json_each.value = ?)" : "")
                + " ORDER BY started, id";
        List<PassRow> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setLong(1, since.toEpochMilli());
            if (source.isPresent()) {
                s.setString(2, source.get());
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new PassRow(r.getLong("id"), Trigger.valueOf(r.getString("trigger")), strings(r.getString("sources")),
                            Instant.ofEpochMilli(r.getLong("started")), Instant.ofEpochMilli(r.getLong("ended")),
                            Outcome.valueOf(r.getString("outcome")), r.getInt("batches"),
                            new Counts(r.getInt("backed_up"), r.getInt("updated"), r.getInt("duplicates"), r.getInt("deleted"),
                                    r.getInt("unchanged"), r.getInt("failed"), r.getInt("pruned"), r.getLong("bytes")),
                            r.getInt("held"), strings(r.getString("unavailable")), Optional.ofNullable(r.getString("error"))));
                }
            }
        }
        return out;
    }

    /** The end of the last pass that ran through (outcome OK or PARTIAL), if any. */
    public Optional<Instant> lastSuccess() throws SQLException {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT max(ended) FROM passes WHERE outcome != 'FAILED'")) {
            long ms = r.next() ? r.getLong(1) : 0;
            return r.wasNull() || ms == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ms));
        }
    }

    /** Failures at or after {@code since}, of {@code source} if given, oldest first. */
    public List<FailureRow> failures(Instant since, Optional<String> source) throws SQLException {
        List<FailureRow> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT * FROM failures WHERE at >= ?"
                + (source.isPresent() ? " AND source = ?" : "") + " ORDER BY at, id")) {
            s.setLong(1, since.toEpochMilli());
            if (source.isPresent()) {
                s.setString(2, source.get());
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new FailureRow(Instant.ofEpochMilli(r.getLong("at")), r.getString("source"), r.getString("path"),
                            FailureReason.valueOf(r.getString("reason")), r.getString("message")));
                }
            }
        }
        return out;
    }

    /**
     * Jobs (scheduled, and commands run by hand) that ended at or after {@code since}, oldest first (none in a history
     * older than the jobs table; a job of a history older than the figures is a scheduled one with none).
     */
    public List<JobRow> jobs(Instant since) throws SQLException {
        List<JobRow> out = new ArrayList<>();
        if (version < 2) {
            return out;
        }
        try (PreparedStatement s = db.prepareStatement("SELECT * FROM jobs WHERE ended >= ? ORDER BY started, id")) {
            s.setLong(1, since.toEpochMilli());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    boolean figures = version >= 3;
                    out.add(new JobRow(r.getString("job"), figures ? By.valueOf(r.getString("trigger")) : By.SCHEDULE,
                            Instant.ofEpochMilli(r.getLong("started")), Instant.ofEpochMilli(r.getLong("ended")),
                            Outcome.valueOf(r.getString("outcome")), r.getString("summary"),
                            figures ? new Figures(r.getLong("files"), r.getLong("bytes"), r.getLong("damage")) : Figures.NONE,
                            strings(r.getString("problems"))));
                }
            }
        }
        return out;
    }

    /** Changes of sources' states at or after {@code since}, of {@code source} if given, oldest first. */
    public List<StateRow> stateChanges(Instant since, Optional<String> source) throws SQLException {
        List<StateRow> out = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT * FROM source_states WHERE at >= ?"
                + (source.isPresent() ? " AND source = ?" : "") + " ORDER BY at, id")) {
            s.setLong(1, since.toEpochMilli());
            if (source.isPresent()) {
                s.setString(2, source.get());
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    out.add(new StateRow(Instant.ofEpochMilli(r.getLong("at")), r.getString("source"),
                            Optional.ofNullable(r.getString("from_state")).map(SourceState::valueOf),
                            SourceState.valueOf(r.getString("to_state")), Optional.ofNullable(r.getString("reason"))));
                }
            }
        }
        return out;
    }

    private static String json(List<String> list) {
        try {
            return JSON.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings as JSON", e);
        }
    }

    private static List<String> strings(String json) throws SQLException {
        try {
            return JSON.readValue(json, STRINGS);
        } catch (JsonProcessingException e) {
            throw new SQLException("a history row holds '" + json + "' where a JSON list of names belongs (SQLITE_CORRUPT)", e);
        }
    }

    @Override
    public void close() throws SQLException {
        db.close();
    }
}
