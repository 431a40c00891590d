package io.keepwatch.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fast path of {@link StateStore#load()}: a streaming reader that builds {@link BackupState} straight from
 * the tokens of state.json, with no intermediate maps or records, and canonicalises the values that repeat
 * (perms, {@code since} times).
 *
 * <p>It only accepts the canonical shape that {@link StateStore#save} writes: every field present with its
 * usual JSON type, no unknown or repeated fields, no repeated file keys, a supported format. Anything else
 * (hand-edited or corrupt files, syntax errors, nulls, numbers as strings, unknown fields, non-canonical
 * instants) makes it give up with {@link NotCanonical}, and the caller reads the file again with the
 * databind reader, so unusual files load (or fail, with the same message) exactly as they always did.
 *
 * <p>About 600 lines: one method per part of state.json's shape (sources, files, folders, histories, versions,
 * deletions, instants), each checking the canonical shape as it reads; they share the parser and its scratch buffers.
 */
final class StateReader {
    /** The file is not in the canonical shape; read it with the general (databind) reader. */
    static final class NotCanonical extends Exception {
        private static final long serialVersionUID = 1L;

        NotCanonical(String why) {
            super(why, null, false, false);
        }
    }

    private static final int L_HASH = 1, L_SIZE = 2, L_MTIME = 4, L_INODE = 8, L_PERMS = 16, L_SINCE = 32, L_DUP = 64;
    private static final int L_REQUIRED = L_HASH | L_SIZE | L_MTIME | L_INODE | L_PERMS | L_SINCE;

    private final JsonParser p;
    /** The backup root's filesystem: what a clean relative path is depends on it ({@link io.keepwatch.fs.RelPath}). */
    private final java.nio.file.FileSystem fs;
    /** Canonical perms strings: a handful of distinct values over all files. */
    private final String[] perms = new String[64];
    private int permsCount;
    /** Canonical instants: most files share the {@code since} of the pass that copied them. */
    private final Map<Instant, Instant> instants = new HashMap<>();
    private final char[] lastInstantText = new char[40];
    private int lastInstantLen = -1;
    private Instant lastInstant;
    private final LiveTable.Row row = new LiveTable.Row();
    private final LiveCodec.Chars chars = new LiveCodec.Chars();

    /**
     * The factory of this reader's parsers. Field names are canonicalized (Jackson's symbol table, which it bounds and
     * clears when a file's many distinct paths fill it), because only then does Jackson parse UTF-8 bytes directly:
     * without it, it decodes the file into characters first and parses those, a third slower. Not interned.
     */
    static final JsonFactory JSON = JsonFactory.builder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();

    private StateReader(JsonParser p, java.nio.file.FileSystem fs) {
        this.p = p;
        this.fs = fs;
    }

    static BackupState read(InputStream in, java.nio.file.FileSystem fs) throws IOException, NotCanonical {
        try (JsonParser p = JSON.createParser(in)) {
            return new StateReader(p, fs).readState();
        }
    }

    /**
     * Applies one change log entry ({@link StateChanges}) in the canonical shape that {@link StateChanges#encode}
     * writes, record by record as it is read. On {@link NotCanonical} (or a syntax error) part of the entry may have
     * been applied: the caller then applies the whole entry with the databind reader, which gives the same state, as
     * applying an entry twice changes nothing, or fails naming the log.
     */
    static void replay(byte[] payload, BackupState state, java.nio.file.FileSystem fs) throws IOException, NotCanonical {
        try (JsonParser p = JSON.createParser(payload)) {
            new StateReader(p, fs).readEntry(state);
        }
    }

    private void readEntry(BackupState state) throws IOException, NotCanonical {
        expect(p.nextToken() == JsonToken.START_OBJECT);
        boolean at = false;
        boolean sources = false;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "at" -> {
                    expect(!at && v == JsonToken.VALUE_STRING);
                    instant();
                    at = true;
                }
                case "sources" -> {
                    expect(!sources && v == JsonToken.START_OBJECT);
                    readSources(state, true);
                    sources = true;
                }
                default -> throw new NotCanonical("unknown field " + name);
            }
        }
        expect(t == JsonToken.END_OBJECT && sources && p.nextToken() == null);
    }

    /** A path that is not clean: the general reader quarantines its record (and keeps it as it was). */
    private void clean(String rel) throws NotCanonical {
        if (io.keepwatch.fs.RelPath.problem(rel, fs).isPresent()) {
            throw new NotCanonical("unclean path");
        }
    }

    private BackupState readState() throws IOException, NotCanonical {
        expect(p.nextToken() == JsonToken.START_OBJECT);
        int format = -1;
        String hashAlgorithm = null;
        boolean savedAt = false;
        boolean saveId = false;
        boolean through = false;
        boolean sources = false;
        BackupState state = new BackupState(null);
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "format" -> {
                    expect(format == -1 && v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT);
                    format = p.getIntValue();
                }
                case "hash_algorithm" -> {
                    expect(hashAlgorithm == null && v == JsonToken.VALUE_STRING);
                    hashAlgorithm = p.getText();
                }
                case "saved_at" -> {
                    expect(!savedAt && v == JsonToken.VALUE_STRING);
                    instant(); // validated like the databind reader does, but not kept
                    savedAt = true;
                }
                case "save_id" -> {
                    expect(!saveId && v == JsonToken.VALUE_STRING);
                    saveId = true;
                }
                case "changes_through" -> {
                    expect(!through && !sources && v == JsonToken.VALUE_NUMBER_INT && p.getLongValue() >= 0);
                    state.setChangesThrough(p.getLongValue());
                    through = true;
                }
                case "sources" -> {
                    expect(!sources && v == JsonToken.START_OBJECT);
                    readSources(state, false);
                    sources = true;
                }
                default -> throw new NotCanonical("unknown field " + name);
            }
        }
        expect(t == JsonToken.END_OBJECT);
        // The databind reader checks these after parsing the whole file; it reports them.
        expect(format >= 1 && format <= BackupState.FORMAT && hashAlgorithm != null && sources);
        state.setHashAlgorithm(hashAlgorithm);
        return state;
    }

    /** @param entry a change log entry's sources: a null record is one that is gone, a null device one unchanged */
    private void readSources(BackupState state, boolean entry) throws IOException, NotCanonical {
        Set<String> seen = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String source = p.currentName();
            expect(seen.add(source) && p.nextToken() == JsonToken.START_OBJECT);
            expect(Quarantine.sourceProblem(source, fs) == null);
            boolean device = false;
            boolean files = false;
            boolean history = false;
            boolean folders = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "device" -> {
                        expect(!device && (v == JsonToken.VALUE_STRING || entry && v == JsonToken.VALUE_NULL));
                        if (v == JsonToken.VALUE_STRING) {
                            state.setDevice(source, p.getText());
                        }
                        device = true;
                    }
                    case "files" -> {
                        expect(!files && v == JsonToken.START_OBJECT);
                        readFiles(state, source, entry);
                        files = true;
                    }
                    case "history" -> {
                        expect(!history && v == JsonToken.START_OBJECT);
                        readHistories(state, source, entry);
                        history = true;
                    }
                    case "folders" -> {
                        expect(!folders && v == JsonToken.START_OBJECT);
                        readFolders(state, source, entry);
                        folders = true;
                    }
                    default -> throw new NotCanonical("unknown field " + name);
                }
            }
        }
    }

    private void readFiles(BackupState state, String source, boolean entry) throws IOException, NotCanonical {
        LiveCodec codec = state.codec();
        LiveTable table = null; // made with the first file: a source with none has no table, as the general reader leaves it
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String rel = p.currentName();
            JsonToken v = p.nextToken();
            clean(rel);
            if (entry && v == JsonToken.VALUE_NULL) {
                state.removeLive(new FileRef(source, rel));
                continue;
            }
            expect(v == JsonToken.START_OBJECT);
            if (table == null) {
                table = state.table(source);
            }
            if (entry) {
                state.replayLive(table, rel, readLive(codec));
            } else if (!state.loadLive(table, rel, readLive(codec))) {
                throw new NotCanonical("repeated file key");
            }
        }
    }

    /**
     * One live file, straight into the row the state stores (hash and file key encoded from the parser's characters,
     * with no string made of them unless they have no compact form).
     */
    private LiveTable.Row readLive(LiveCodec codec) throws IOException, NotCanonical {
        LiveTable.Row row = this.row;
        row.duplicateOf = null;
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int bit;
            switch (name) {
                case "hash" -> {
                    bit = L_HASH;
                    expect(v == JsonToken.VALUE_STRING);
                    row.hashCode = codec.encodeHash(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), row.hash, 0);
                    row.oddHash = row.hashCode == 0 ? p.getText() : null;
                }
                case "size" -> {
                    bit = L_SIZE;
                    row.size = longValue(v);
                }
                case "mtime" -> {
                    bit = L_MTIME;
                    row.mtime = longValue(v);
                }
                case "inode" -> {
                    bit = L_INODE;
                    expect(v == JsonToken.VALUE_STRING);
                    LiveCodec.Chars key = chars();
                    row.inodeKind = key.length() == 0 ? 0 : LiveCodec.encodeInode(key, row.inode, 0) ? 1 : 2;
                    row.oddInode = row.inodeKind == 2 ? p.getText() : null;
                }
                case "perms" -> {
                    bit = L_PERMS;
                    String perms = perms(v);
                    row.permsCode = codec.encodePerms(perms);
                    row.oddPerms = row.permsCode == 0 ? perms : null;
                }
                case "since" -> {
                    bit = L_SINCE;
                    expect(v == JsonToken.VALUE_STRING);
                    row.since = instant();
                }
                case "duplicate_of" -> {
                    bit = L_DUP;
                    expect(v == JsonToken.VALUE_STRING);
                    String dup = p.getText();
                    row.duplicateOf = dup.isEmpty() ? null : dup;
                }
                default -> throw new NotCanonical("unknown field " + name);
            }
            expect((seen & bit) == 0);
            seen |= bit;
        }
        expect((seen & L_REQUIRED) == L_REQUIRED);
        return row;
    }

    /** The current string token's characters, without making a string. */
    private LiveCodec.Chars chars() throws IOException {
        return chars.set(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    /** The {@code folders} of a source: by relative path, a list of {@link FolderSpan}s. */
    private void readFolders(BackupState state, String source, boolean entry) throws IOException, NotCanonical {
        Set<String> seen = new HashSet<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String rel = p.currentName();
            clean(rel);
            expect(seen.add(rel));
            JsonToken record = p.nextToken();
            if (entry && record == JsonToken.VALUE_NULL) {
                state.putFolder(source, rel, List.of());
                continue;
            }
            expect(record == JsonToken.START_ARRAY);
            List<FolderSpan> spans = new ArrayList<>(1);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String perms = null;
                Instant since = null;
                Instant ended = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    switch (name) {
                        case "perms" -> {
                            expect(perms == null);
                            perms = perms(v);
                        }
                        case "since" -> {
                            expect(since == null && v == JsonToken.VALUE_STRING);
                            since = instant();
                        }
                        case "ended" -> {
                            expect(ended == null && v == JsonToken.VALUE_STRING);
                            ended = instant();
                        }
                        default -> throw new NotCanonical("unknown field " + name);
                    }
                }
                expect(perms != null && since != null);
                spans.add(new FolderSpan(perms, since, ended));
            }
            expect(p.currentToken() == JsonToken.END_ARRAY && !spans.isEmpty());
            state.putFolder(source, rel, spans);
        }
    }

    private void readHistories(BackupState state, String source, boolean entry) throws IOException, NotCanonical {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String rel = p.currentName();
            JsonToken record = p.nextToken();
            clean(rel);
            if (entry && record == JsonToken.VALUE_NULL) {
                state.putHistory(new FileRef(source, rel), PathHistory.EMPTY);
                continue;
            }
            expect(record == JsonToken.START_OBJECT);
            int lastVersion = 0;
            List<VersionRecord> versions = null;
            List<DeletionRecord> deletions = null;
            boolean last = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "last_version" -> {
                        expect(!last && v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT);
                        lastVersion = p.getIntValue();
                        last = true;
                    }
                    case "versions" -> {
                        expect(versions == null && v == JsonToken.START_ARRAY);
                        versions = new ArrayList<>(4);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            versions.add(readVersion());
                        }
                        expect(p.currentToken() == JsonToken.END_ARRAY);
                    }
                    case "deletions" -> {
                        expect(deletions == null && v == JsonToken.START_ARRAY);
                        deletions = new ArrayList<>(2);
                        while (p.nextToken() == JsonToken.START_OBJECT) {
                            deletions.add(readDeletion());
                        }
                        expect(p.currentToken() == JsonToken.END_ARRAY);
                    }
                    default -> throw new NotCanonical("unknown field " + name);
                }
            }
            expect(last && versions != null && deletions != null);
            state.putHistory(new FileRef(source, rel), new PathHistory(lastVersion, versions, deletions));
        }
    }

    private VersionRecord readVersion() throws IOException, NotCanonical {
        int seen = 0;
        int n = 0;
        String hash = null;
        long size = 0;
        long mtime = 0;
        String perms = null;
        Instant since = null;
        Instant archivedAt = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int bit;
            switch (name) {
                case "n" -> {
                    bit = 1;
                    expect(v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT);
                    n = p.getIntValue();
                }
                case "hash" -> {
                    bit = 2;
                    expect(v == JsonToken.VALUE_STRING);
                    hash = p.getText();
                }
                case "size" -> {
                    bit = 4;
                    size = longValue(v);
                }
                case "mtime" -> {
                    bit = 8;
                    mtime = longValue(v);
                }
                case "perms" -> {
                    bit = 16;
                    perms = perms(v);
                }
                case "since" -> {
                    bit = 32;
                    expect(v == JsonToken.VALUE_STRING);
                    since = instant();
                }
                case "archived_at" -> {
                    bit = 64;
                    expect(v == JsonToken.VALUE_STRING);
                    archivedAt = instant();
                }
                default -> throw new NotCanonical("unknown field " + name);
            }
            expect((seen & bit) == 0);
            seen |= bit;
        }
        expect(seen == 127 && n >= 1);
        return new VersionRecord(n, hash, size, mtime, perms, since, archivedAt);
    }

    private DeletionRecord readDeletion() throws IOException, NotCanonical {
        int seen = 0;
        String stored = null;
        String hash = null;
        long size = 0;
        long mtime = 0;
        String perms = null;
        Instant since = null;
        Instant deletedAt = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            int bit;
            switch (name) {
                case "stored" -> {
                    bit = 1;
                    expect(v == JsonToken.VALUE_STRING);
                    stored = p.getText();
                }
                case "hash" -> {
                    bit = 2;
                    expect(v == JsonToken.VALUE_STRING);
                    hash = p.getText();
                }
                case "size" -> {
                    bit = 4;
                    size = longValue(v);
                }
                case "mtime" -> {
                    bit = 8;
                    mtime = longValue(v);
                }
                case "perms" -> {
                    bit = 16;
                    perms = perms(v);
                }
                case "since" -> {
                    bit = 32;
                    expect(v == JsonToken.VALUE_STRING);
                    since = instant();
                }
                case "deleted_at" -> {
                    bit = 64;
                    expect(v == JsonToken.VALUE_STRING);
                    deletedAt = instant();
                }
                default -> throw new NotCanonical("unknown field " + name);
            }
            expect((seen & bit) == 0);
            seen |= bit;
        }
        expect(seen == 127);
        clean(stored);
        return new DeletionRecord(stored, hash, size, mtime, perms, since, deletedAt);
    }

    private long longValue(JsonToken v) throws IOException, NotCanonical {
        expect(v == JsonToken.VALUE_NUMBER_INT);
        JsonParser.NumberType nt = p.getNumberType();
        expect(nt == JsonParser.NumberType.INT || nt == JsonParser.NumberType.LONG);
        return p.getLongValue();
    }

    /** The perms string, shared with every other file that has the same perms. */
    private String perms(JsonToken v) throws IOException, NotCanonical {
        expect(v == JsonToken.VALUE_STRING);
        char[] buf = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        for (int i = 0; i < permsCount; i++) {
            String s = perms[i];
            if (s.length() == len && regionEquals(s, buf, off, len)) {
                return s;
            }
        }
        String s = new String(buf, off, len);
        if (permsCount < perms.length) {
            perms[permsCount++] = s;
        }
        return s;
    }

    private static boolean regionEquals(String s, char[] buf, int off, int len) {
        for (int i = 0; i < len; i++) {
            if (s.charAt(i) != buf[off + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The current string token as an instant, parsed without a formatter. Only the form Jackson writes
     * ({@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z}) is accepted; equal instants are shared.
     */
    private Instant instant() throws IOException, NotCanonical {
        char[] b = p.getTextCharacters();
        int o = p.getTextOffset();
        int len = p.getTextLength();
        if (len == lastInstantLen && java.util.Arrays.equals(b, o, o + len, lastInstantText, 0, len)) {
            return lastInstant;
        }
        expect(len >= 20 && len <= 30 && b[o + 4] == '-' && b[o + 7] == '-' && b[o + 10] == 'T' && b[o + 13] == ':'
                && b[o + 16] == ':' && b[o + len - 1] == 'Z');
        int year = digits(b, o, 4);
        int month = digits(b, o + 5, 2);
        int day = digits(b, o + 8, 2);
        int hour = digits(b, o + 11, 2);
        int minute = digits(b, o + 14, 2);
        int second = digits(b, o + 17, 2);
        expect(hour < 24 && minute < 60 && second < 60);
        int nanos = 0;
        if (len > 20) {
            int fd = len - 21; // digits between '.' and 'Z'
            expect(b[o + 19] == '.' && fd >= 1 && fd <= 9);
            nanos = digits(b, o + 20, fd);
            for (int i = fd; i < 9; i++) {
                nanos *= 10;
            }
        }
        long days;
        try {
            days = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            throw new NotCanonical("bad date");
        }
        Instant parsed = Instant.ofEpochSecond(days * 86_400 + hour * 3600L + minute * 60L + second, nanos);
        Instant canonical = instants.putIfAbsent(parsed, parsed);
        Instant result = canonical == null ? parsed : canonical;
        System.arraycopy(b, o, lastInstantText, 0, len);
        lastInstantLen = len;
        lastInstant = result;
        return result;
    }

    private static int digits(char[] b, int off, int n) throws NotCanonical {
        int v = 0;
        for (int i = 0; i < n; i++) {
            int d = b[off + i] - '0';
            expect(d >= 0 && d <= 9);
            v = v * 10 + d;
        }
        return v;
    }

    private static void expect(boolean ok) throws NotCanonical {
        if (!ok) {
            throw new NotCanonical("not the canonical state.json shape");
        }
    }
}
