package io.keepwatch.history;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** Opening SQLite connections the way the history needs them. */
final class Sqlite {
    /** The system property sqlite-jdbc reads to know where to extract its native library. */
    static final String TMPDIR_PROPERTY = "org.sqlite.tmpdir";
    /** How long a connection waits for another one's write lock before it gives up with SQLITE_BUSY. */
    static final int BUSY_TIMEOUT_MS = 5_000;

    private Sqlite() {
    }

    /**
     * Has sqlite-jdbc extract its native library into {@code dir} (made if needed) instead of java.io.tmpdir, which
     * may be mounted noexec. The library reads a system property, once, when it is first loaded: set here unless
     * the user set it (e.g. {@code KEEPWATCH_OPTS=-Dorg.sqlite.tmpdir=...}). A folder that cannot be made leaves the
     * default.
     */
    static void nativeLibraryInto(Path dir) {
        if (System.getProperty(TMPDIR_PROPERTY) != null) {
            return;
        }
        try {
            io.keepwatch.fs.Modes.createFolders(dir); // owner-only, as the rest of .keepwatch
            if (Files.isWritable(dir)) {
                System.setProperty(TMPDIR_PROPERTY, dir.toString());
            }
        } catch (IOException | SecurityException e) {
            org.slf4j.LoggerFactory.getLogger(Sqlite.class).debug("cannot use {} for SQLite's native library: {}", dir, e.toString());
        }
    }

    /** A connection to {@code file} in WAL mode, synchronous=NORMAL, waiting up to 5 s for a lock. */
    static Connection open(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setReadOnly(readOnly);
        if (!readOnly) {
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
            config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        }
        return config.createConnection("jdbc:sqlite:" + file);
    }

    /** Whether an error says that the file is not a (sound) SQLite database. */
    static boolean isCorrupt(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLiteException s) {
                SQLiteErrorCode code = s.getResultCode();
                if (code == SQLiteErrorCode.SQLITE_CORRUPT || code == SQLiteErrorCode.SQLITE_NOTADB
                        || code.name().startsWith("SQLITE_CORRUPT_")) {
                    return true;
                }
            }
        }
        String m = e.getMessage() == null ? "" : e.getMessage();
        return m.contains("SQLITE_NOTADB") || m.contains("SQLITE_CORRUPT") || m.contains("malformed");
    }
}
