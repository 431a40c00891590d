package io.keepwatch.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.base.Supplier;
import com.google.common.base.Suppliers;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.keepwatch.fs.Fs;
import io.keepwatch.fs.TempFiles;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * Reads and writes the durable state: state.json, written whole now and then, and the {@link ChangeLog} of what
 * changed since ({@link #appendChanges}). A save goes to a temp file beside state.json, is fsynced, and atomically
 * replaces the old file, so a crash leaves the old or the new state, never a torn one; it records the last change log
 * entry it includes ({@code changes_through}), and loading replays the entries after it. A file that cannot be
 * parsed is an error naming the file and {@code keepwatch rebuild-state}; it is never replaced by an empty
 * state. About 430 lines: state.json's readers' entry point, its writer, the change log's append and the index key
 * belong together.
 */
public final class StateStore {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StateStore.class);
    private static final String TEMP_NAME = "state.json.tmp";

    private final Path file;
    private final Path indexFile;
    private final Fs fs;
    private final Clock clock;
    private final RetentionOutlook outlook;
    private final ChangeLog changes;
    private final ChangeCursors cursors;
    /** Made on first use: a no-change pass never needs it, and it costs a fresh JVM some 40 ms. */
    private final Supplier<ObjectMapper> mapper = Suppliers.memoize(StateStore::mapper);

    /** A store whose metadata index never lets a pass skip retention (for commands that only read or rebuild). */
    public StateStore(BackupLayout layout, Fs fs, Clock clock) {
        this(layout, fs, clock, RetentionOutlook.UNKNOWN);
    }

    /** @param outlook what the metadata index records of the retention policy */
    public StateStore(BackupLayout layout, Fs fs, Clock clock, RetentionOutlook outlook) {
        this.file = layout.stateFile();
        this.indexFile = layout.indexFile();
        this.fs = fs;
        this.clock = clock;
        this.outlook = outlook;
        this.changes = new ChangeLog(layout.changesDir(), fs);
        this.cursors = new ChangeCursors(changes, fs);
    }

    /** The change log's consumers (see {@link ChangeCursors}). */
    public ChangeCursors cursors() {
        return cursors;
    }

    /** The change log (readers of the feed use {@link ChangeLog#readAfter}). */
    public ChangeLog changes() {
        return changes;
    }

    /** The JSON mapper for state.json and the journal: snake_case keys, ISO instants, sorted maps. */
    public static ObjectMapper mapper() {
        // state.json's maps are keyed by file path: hundreds of thousands of distinct names, which Jackson's
        // field-name canonicalizing (a symbol table meant for a few repeated property names) makes slow.
        return new ObjectMapper(jsonFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    private static JsonFactory jsonFactory() {
        return JsonFactory.builder()
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .build();
    }

    public Path file() {
        return file;
    }

    /**
     * The stored state, or empty when there is no state.json yet. A file as {@link #save} writes it is read by
     * the streaming {@link StateReader}; anything else (a hand-edited or corrupt file) by the databind reader,
     * which accepts, and rejects with its messages, what it always did.
     */
    public Optional<BackupState> load() throws StateException {
        // A reader without the lock may see a compaction replace state.json and drop the entries it was about to
        // read: it then reads the new state.json.
        for (int attempt = 1; ; attempt++) {
            Optional<BackupState> read = loadFile();
            if (read.isEmpty()) {
                return read;
            }
            BackupState state = read.get();
            try {
                List<ChangeLog.Entry> entries = changes.readAfter(state.changesThrough());
                StateChanges.apply(entries, state, mapper.get(), file.getFileSystem(), changes.dir());
                if (!entries.isEmpty()) {
                    state.setChangesThrough(entries.get(entries.size() - 1).seq());
                }
                state.forgetChanges();
                return read;
            } catch (ChangeLog.Gap e) {
                if (attempt == 3) {
                    throw new StateException(changes.dir(), "the change log keeps changing under this reader: " + e.getMessage(), e);
                }
            } catch (IOException e) {
                throw new StateException(changes.dir(), e.getMessage(), e);
            }
        }
    }

    /**
     * Records what changed in {@code state} since it was loaded, written whole or last appended (see {@link
     * BackupState#takeChanges}) as one durable change log entry; returns the bytes appended (0 if nothing changed).
     */
    public long appendChanges(BackupState state) throws IOException {
        if (state.changeCount() == 0) {
            return 0;
        }
        byte[] payload = StateChanges.encode(mapper.get(), Instant.now(clock), state.takeChanges());
        state.setChangesThrough(changes.append(payload, state.changesThrough()));
        return payload.length;
    }

    /** state.json's size on disk (0 if there is none). */
    public long fileSize() throws IOException {
        try {
            return fs.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private Optional<BackupState> loadFile() throws StateException {
        try (InputStream in = fs.newInputStream(file)) {
            return Optional.of(StateReader.read(in, file.getFileSystem()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (StateReader.NotCanonical | JsonProcessingException e) {
            return loadGeneral();
        } catch (IOException e) {
            throw new StateException(file, "cannot read state file: " + e, e);
        }
    }

    /** The databind reader: slower, and general. */
    Optional<BackupState> loadGeneral() throws StateException {
        StateFile sf;
        try (InputStream in = fs.newInputStream(file)) {
            sf = mapper.get().readValue(in, StateFile.class);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (JsonProcessingException e) {
            throw new StateException(file, "state file is corrupt (" + e.getOriginalMessage()
                    + "); keepwatch will not guess. Run `keepwatch rebuild-state` to rebuild it from the backup root", e);
        } catch (IOException e) {
            throw new StateException(file, "cannot read state file: " + e, e);
        }
        return Optional.of(toState(sf));
    }

    private BackupState toState(StateFile sf) throws StateException {
        if (sf == null || sf.format() < 1 || sf.hashAlgorithm() == null || sf.sources() == null) {
            throw corrupt("missing format, hash_algorithm or sources");
        }
        if (sf.format() > BackupState.FORMAT) {
            throw new StateException(file, "state format " + sf.format() + " was written by a newer keepwatch (this one reads up to "
                    + BackupState.FORMAT + "); upgrade keepwatch", null);
        }
        BackupState state = new BackupState(sf.hashAlgorithm());
        state.setChangesThrough(Math.max(0, sf.changesThrough()));
        Quarantine quarantine = new Quarantine(file.getFileSystem(), mapper.get());
        for (Map.Entry<String, SourceState> e : sf.sources().entrySet()) {
            SourceRecords.put(e.getKey(), e.getValue(), state, quarantine, false, this::corrupt);
        }
        List<QuarantinedRecord> quarantined = new ArrayList<>(sf.quarantined() == null ? List.of() : sf.quarantined());
        if (!quarantined.isEmpty()) {
            log.warn("{} holds {} quarantined record(s) from earlier reads (its \"quarantined\" section); they are never acted on",
                    file, quarantined.size());
        }
        quarantined.addAll(quarantine.found());
        state.setQuarantined(quarantined);
        return state;
    }

    private StateException corrupt(String what) {
        return new StateException(file, "state file is corrupt (" + what
                + "); run `keepwatch rebuild-state` to rebuild it from the backup root", null);
    }

    /**
     * Writes the state whole, durably: temp file, fsync, atomic replace, fsync of the folder; then drops the change
     * log entries it includes (as far as {@link ChangeCursors} allows).
     */
    public void save(BackupState state) throws IOException {
        write(snapshot(state));
    }

    /**
     * A copy of the state as it is now, for {@link #write} to save later, maybe on another thread while the
     * state changes. Costs a walk over the maps (their values are immutable records), not their serialising.
     * The state's changes are forgotten (the copy includes them) and the change log's next entry starts a segment.
     */
    public Snapshot snapshot(BackupState state) throws IOException {
        // A state built afresh (rebuild-state) includes nothing of the log: every entry there is older than it.
        state.setChangesThrough(Math.max(state.changesThrough(), changes.lastSeq()));
        changes.rollOver();
        state.forgetChanges();
        return new Snapshot(fileOf(state, newSaveId()));
    }

    private StateFile fileOf(BackupState state, String saveId) {
        Map<String, SourceState> sources = new TreeMap<>();
        for (String name : state.sourceNames()) {
            // A copy of the compact live table, not of records; Jackson writes a SortedMap as it is, without sorting
            sources.put(name, new SourceState(state.device(name).orElse(""), state.liveCopy(name), new TreeMap<>(state.histories(name)), new TreeMap<>(state.folders(name))));
        }
        return new StateFile(BackupState.FORMAT, state.hashAlgorithm(), Instant.now(clock), saveId, state.changesThrough(),
                sources, state.quarantined());
    }

    /** A state as it was when {@link #snapshot} took it. */
    public static final class Snapshot {
        private final StateFile file;

        private Snapshot(StateFile file) {
            this.file = file;
        }
    }

    /** A tag that tells this save from every other, even two saved in the same instant of a pinned clock. */
    private static String newSaveId() {
        return Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    /**
     * The {@code save_id} of the state.json on disk, read from its first fields (it is written before the
     * sources); empty when there is no state.json, or it has none (format 1) or is not as {@link #save} writes it.
     */
    public Optional<String> saveIdOnDisk() throws IOException {
        return indexKeyOnDisk().map(k -> k.substring(0, k.indexOf('@')));
    }

    /**
     * Where the durable state on disk stands: state.json's {@code save_id}, the last change log entry, and
     * state.json's size and CRC32C ({@code 5f3a…@412/48213344/9c0e11aa}); empty when state.json is missing or has no
     * {@code save_id}. Every save writes a new random {@code save_id} and every commit in between appends an entry,
     * so two equal positions are the same state (the size and checksum also tell a hand edit apart). A reader takes
     * the position before it loads the state: what it then loads is that state or a later one, never an earlier one.
     * Reads state.json once, parses only its first fields.
     */
    public Optional<String> position() throws IOException {
        Optional<String> key = indexKeyOnDisk();
        if (key.isEmpty()) {
            return key;
        }
        MetadataIndex.StateFileStamp s;
        try {
            s = stamp();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(key.get() + "/" + s.size() + "/" + Integer.toHexString(s.crc32c()));
    }

    /**
     * What the index of the durable state on disk is keyed by: state.json's {@code save_id}, {@code @}, and the last
     * change log entry (state.json's {@code changes_through}, or a later entry of the log).
     */
    private Optional<String> indexKeyOnDisk() throws IOException {
        long through = 0;
        try (InputStream in = fs.newInputStream(file); com.fasterxml.jackson.core.JsonParser p = StateReader.JSON.createParser(in)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                if (name.equals("changes_through") && value == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT) {
                    through = p.getLongValue();
                }
                if (name.equals("save_id") && value == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
                    String id = p.getText();
                    if (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && p.currentName().equals("changes_through")
                            && p.nextToken() == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT) {
                        through = p.getLongValue();
                    }
                    return Optional.of(id + "@" + Math.max(through, changes.lastSeq()));
                }
                if (value.isStructStart()) {
                    return Optional.empty(); // the sources: save_id comes before them when there is one
                }
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty(); // not as save writes it: load() will say what is wrong with it
        }
    }

    /**
     * The metadata index of the state.json on disk, if it was written with that very save and is whole;
     * empty otherwise (the caller then loads state.json).
     */
    public Optional<MetadataIndex> currentIndex() throws IOException {
        // The index is of state.json and the change log entries after it: both must be as they were.
        Optional<String> id = indexKeyOnDisk();
        if (id.isEmpty()) {
            return Optional.empty();
        }
        Optional<MetadataIndex> index = MetadataIndex.read(fs, indexFile, id.get());
        // A truncated or damaged state.json keeps its save_id at the top; its size and checksum tell it apart (a
        // pass that trusted the index would otherwise not notice, and not say, that state.json needs rebuilding).
        if (index.isPresent() && !index.get().stateFile().equals(stamp())) {
            return Optional.empty();
        }
        return index;
    }

    /** The size and CRC32C of state.json as it is on disk: reads it, but parses nothing. */
    private MetadataIndex.StateFileStamp stamp() throws IOException {
        CRC32C crc = new CRC32C();
        long size = 0;
        try (InputStream in = fs.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) >= 0) {
                crc.update(buf, 0, n);
                size += n;
            }
        }
        return new MetadataIndex.StateFileStamp(size, (int) crc.getValue());
    }

    /**
     * Writes a snapshot durably: temp file, fsync, atomic replace, fsync of the folder; then its metadata
     * index. One write at a time (they share the temp file); the caller makes sure of that.
     */
    public void write(Snapshot snapshot) throws IOException {
        Path tmp = file.resolveSibling(TEMP_NAME);
        fs.deleteIfExists(tmp);
        CRC32C crc = new CRC32C();
        long size;
        try (FileChannel ch = fs.createNew(tmp);
             OutputStream out = new CheckedOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16), crc)) {
            mapper.get().writeValue(nonClosing(out), snapshot.file);
            out.flush();
            ch.force(true);
            size = ch.size();
        } catch (IOException e) {
            // A failed write (disk full) says only "No space left on device": name the file.
            throw TempFiles.discard(fs, tmp, e instanceof java.nio.file.FileSystemException ? e
                    : new IOException("cannot write " + tmp + " (state.json is unchanged): " + e.getMessage(), e));
        }
        fs.replaceAtomically(tmp, file);
        fs.syncDirectory(file.getParent());
        writeIndex(snapshot.file, new MetadataIndex.StateFileStamp(size, (int) crc.getValue()));
        changes.dropThrough(cursors.droppable(snapshot.file.changesThrough()));
    }

    /**
     * Writes the metadata index of {@code state}, which must be the state that state.json on disk holds (nothing
     * changed since it was loaded or saved): for a state.json whose index was lost, or never written (a crash
     * between the two writes). Nothing for a state.json without a save_id (format 1): its next save adds one.
     */
    public void writeIndex(BackupState state) throws IOException {
        Optional<String> id = saveIdOnDisk();
        if (id.isPresent()) {
            writeIndex(fileOf(state, id.get()), stamp());
        }
    }

    /**
     * The index is a cache: when it cannot be written the state is still saved, and the next pass, finding no
     * index for this save, loads state.json.
     */
    private void writeIndex(StateFile sf, MetadataIndex.StateFileStamp stamp) {
        if (!sf.quarantined().isEmpty()) {
            return; // no shortcut: every pass loads state.json and reports its quarantined records
        }
        try {
            if (!fs.isDirectory(indexFile.getParent())) {
                return; // no private folder (a backup root only rebuild-state has touched): nothing to speed up yet
            }
            MetadataIndex.write(fs, indexFile, sf.saveId() + "@" + sf.changesThrough(), stamp, sf.hashAlgorithm(), sf.sources(), outlook, clock.instant());
        } catch (IOException | RuntimeException e) {
            log.warn("Could not write the metadata index {} ({}); the next pass loads state.json instead", indexFile, e.toString());
        }
    }

    /** Removes a temp file left by a save that was interrupted. */
    public void cleanLeftovers() throws IOException {
        fs.deleteIfExists(file.resolveSibling(TEMP_NAME));
    }

    private static OutputStream nonClosing(OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }

    /** The file format of state.json; {@code quarantined} is written only when it holds something. */
    record StateFile(int format, String hashAlgorithm, Instant savedAt, String saveId,
            @JsonInclude(JsonInclude.Include.NON_DEFAULT) long changesThrough, Map<String, SourceState> sources,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<QuarantinedRecord> quarantined) {
    }
}
