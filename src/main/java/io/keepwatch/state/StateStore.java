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
 * state. About 620 lines: state.json's readers' entry point, its writer, the change log's append, the index key and
 * loading state.json in part ({@link #loadPart}, {@link #writePartIndex}: it cuts runs out of the bytes the writer laid
 * out) belong together; loading in part is the next part that could stand alone.
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
        if (state.partial()) {
            throw new IllegalStateException("a state loaded in part is never written whole");
        }
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

    /**
     * Part of the state, as {@link #load} would give it, but with only the live files of the chosen runs of the metadata
     * {@code index} (which must be the current one, {@link #currentIndex}, read under the backup root's lock): state.json
     * is read with every other source's run of records cut out, so only the chosen ones are parsed (histories, empty
     * folders and everything else whole), then the change log entries after it are applied, and every live file outside
     * the chosen runs dropped. The result is checked against the index: each chosen run's files must have the fingerprint
     * the index records. Empty on any doubt (a run that does not lie where the index says, a file not as {@link #save}
     * writes it, quarantined records, a fingerprint that differs): the caller then loads the state whole, which reports
     * what is wrong, if anything is. The state is marked {@link BackupState#partial}: it is never written whole.
     *
     * @param runs by source, the runs to load (by their number in the source's {@link FileRuns})
     */
    public Optional<BackupState> loadPart(MetadataIndex index, Map<String, java.util.BitSet> runs) throws IOException {
        List<Map.Entry<String, FileRuns>> cut = new ArrayList<>();
        for (Map.Entry<String, MetadataIndex.SourceIndex> e : index.sources().entrySet()) {
            if (!e.getValue().runs().list().isEmpty()) {
                cut.add(Map.entry(e.getKey(), e.getValue().runs()));
            } else if (runs.containsKey(e.getKey())) {
                return Optional.empty();
            }
        }
        cut.sort(java.util.Comparator.comparingLong(e -> e.getValue().open()));
        java.io.ByteArrayOutputStream doc = new java.io.ByteArrayOutputStream(1 << 16);
        try (InputStream in = fs.newInputStream(file)) {
            long at = 0;
            for (Map.Entry<String, FileRuns> e : cut) {
                FileRuns r = e.getValue();
                if (r.open() < at) {
                    return Optional.empty();
                }
                at = copy(in, at, at, r.open() + 1, doc);
                java.util.BitSet chosen = runs.getOrDefault(e.getKey(), new java.util.BitSet());
                boolean first = true;
                for (int k = chosen.nextSetBit(0); k >= 0 && k < r.list().size(); k = chosen.nextSetBit(k + 1)) {
                    if (!first) {
                        doc.write(',');
                    }
                    first = false;
                    at = copy(in, at, r.list().get(k).start(), r.list().get(k).end(), doc);
                }
                at = copy(in, at, r.close(), r.close(), doc);
            }
            byte[] rest = in.readAllBytes();
            doc.write(rest);
            if (at + rest.length != index.stateFile().size()) {
                return Optional.empty();
            }
        } catch (java.io.EOFException e) {
            return Optional.empty();
        }
        BackupState state;
        try {
            state = StateReader.read(new java.io.ByteArrayInputStream(doc.toByteArray()), file.getFileSystem());
            List<ChangeLog.Entry> entries = changes.readAfter(state.changesThrough());
            StateChanges.apply(entries, state, mapper.get(), file.getFileSystem(), changes.dir());
            if (!entries.isEmpty()) {
                state.setChangesThrough(entries.get(entries.size() - 1).seq());
            }
        } catch (StateReader.NotCanonical | IOException | StateException e) {
            log.debug("state.json not loaded in part ({}); loading it whole", e.toString());
            return Optional.empty();
        }
        if (!state.quarantined().isEmpty() || !index.key().endsWith("@" + state.changesThrough())) {
            return Optional.empty();
        }
        for (String source : state.sourceNames()) {
            FileRuns r = index.source(source).map(MetadataIndex.SourceIndex::runs).orElse(FileRuns.NONE);
            java.util.BitSet chosen = runs.get(source);
            List<String> outside = new ArrayList<>();
            for (String rel : state.liveFiles(source).keySet()) {
                if (chosen == null || r.list().isEmpty() || !chosen.get(r.runOf(rel))) {
                    outside.add(rel);
                }
            }
            outside.forEach(rel -> state.removeLive(new FileRef(source, rel)));
        }
        state.forgetChanges();
        state.markPartial();
        for (Map.Entry<String, java.util.BitSet> e : runs.entrySet()) {
            Optional<MetadataIndex.SourceIndex> si = index.source(e.getKey());
            if (si.isEmpty()) {
                return Optional.empty();
            }
            Fingerprint[] prints = si.get().runs().prints(sourceOf(state, e.getKey()));
            for (int k = e.getValue().nextSetBit(0); k >= 0; k = e.getValue().nextSetBit(k + 1)) {
                if (k >= prints.length || !prints[k].equals(si.get().runs().list().get(k).fingerprint())) {
                    log.debug("state.json not loaded in part (run {} of {} is not as the index says); loading it whole", k, e.getKey());
                    return Optional.empty();
                }
            }
        }
        return Optional.of(state);
    }

    /** Copies {@code [from, to)} of the stream, which stands at {@code at}, to {@code out}; returns where it stands then. */
    private static long copy(InputStream in, long at, long from, long to, java.io.OutputStream out) throws IOException {
        if (from < at || to < from) {
            throw new java.io.EOFException("runs out of order");
        }
        in.skipNBytes(from - at);
        byte[] b = in.readNBytes(Math.toIntExact(to - from));
        if (b.length != to - from) {
            throw new java.io.EOFException("state.json ends before " + to);
        }
        out.write(b);
        return to;
    }

    private static SourceState sourceOf(BackupState state, String source) {
        return new SourceState(state.device(source).orElse(""), state.liveFiles(source), state.histories(source), state.folders(source));
    }

    /**
     * After a pass over a state loaded in part ({@link #loadPart}) that only appended to the change log: writes the
     * metadata index again, keyed by the log's last entry, with the runs that were loaded fingerprinted afresh from
     * {@code state} and the others as {@code index} had them (their files were not loaded, and the pass did not touch
     * them); the retention outlook and held bytes of each source from its histories, which the part holds whole.
     */
    public void writePartIndex(BackupState state, MetadataIndex index, Map<String, java.util.BitSet> runs) {
        try {
            if (fs.size(file) != index.stateFile().size() || !state.sourceNames().stream().allMatch(n -> index.source(n).isPresent())) {
                return; // not the state.json the index is of: the next pass finds no index for it, and loads it whole
            }
            Map<String, MetadataIndex.SourceIndex> out = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, MetadataIndex.SourceIndex> e : index.sources().entrySet()) {
                java.util.BitSet chosen = runs.get(e.getKey());
                if (chosen == null) {
                    out.put(e.getKey(), e.getValue());
                    continue;
                }
                SourceState s = sourceOf(state, e.getKey());
                FileRuns old = e.getValue().runs();
                Fingerprint[] prints = old.prints(s);
                Map<Integer, Fingerprint> fresh = new java.util.HashMap<>();
                chosen.stream().forEach(k -> fresh.put(k, prints[k]));
                FileRuns now = old.withPrints(fresh);
                out.put(e.getKey(), MetadataIndex.withRuns(s, now, now.total(), outlook.policyKey(e.getKey()),
                        outlook.nextRemoval(e.getKey(), s.history().values(), clock.instant())));
            }
            String key = index.key().substring(0, index.key().indexOf('@') + 1) + state.changesThrough();
            MetadataIndex.write(fs, indexFile, key, index.stateFile(), state.hashAlgorithm(), out);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not write the metadata index {} ({}); the next pass loads state.json instead", indexFile, e.toString());
        }
    }

    /** The size and CRC32C of state.json as it is on disk: reads it, but parses nothing. */
    private MetadataIndex.StateFileStamp stamp() throws IOException {
        return stamp(null);
    }

    /** {@link #stamp()}, the bytes also fed to {@code offsets} if given. */
    private MetadataIndex.StateFileStamp stamp(StateOffsets offsets) throws IOException {
        CRC32C crc = new CRC32C();
        long size = 0;
        try (InputStream in = fs.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) >= 0) {
                crc.update(buf, 0, n);
                if (offsets != null) {
                    offsets.feed(buf, 0, n);
                }
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
        StateOffsets offsets = new StateOffsets();
        long size;
        try (FileChannel ch = fs.createNew(tmp);
             OutputStream out = new CheckedOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16), crc)) {
            mapper.get().writeValue(nonClosing(observed(out, offsets)), snapshot.file);
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
        writeIndex(snapshot.file, new MetadataIndex.StateFileStamp(size, (int) crc.getValue()), offsets.result());
        changes.dropThrough(cursors.droppable(snapshot.file.changesThrough()));
    }

    /**
     * Writes the metadata index of {@code state}, which must be the state that state.json on disk holds (nothing
     * changed since it was loaded or saved): for a state.json whose index was lost, or never written (a crash
     * between the two writes). Nothing for a state.json without a save_id (format 1): its next save adds one.
     */
    public void writeIndex(BackupState state) throws IOException {
        if (state.partial()) {
            throw new IllegalStateException("the index of a state loaded in part is written by writePartIndex");
        }
        Optional<String> id = saveIdOnDisk();
        if (id.isPresent()) {
            StateOffsets offsets = new StateOffsets();
            MetadataIndex.StateFileStamp stamp = stamp(offsets);
            writeIndex(fileOf(state, id.get()), stamp, offsets.result());
        }
    }

    /**
     * The index is a cache: when it cannot be written the state is still saved, and the next pass, finding no
     * index for this save, loads state.json.
     */
    private void writeIndex(StateFile sf, MetadataIndex.StateFileStamp stamp, Optional<Map<String, StateOffsets.Files>> offsets) {
        if (!sf.quarantined().isEmpty()) {
            return; // no shortcut: every pass loads state.json and reports its quarantined records
        }
        try {
            if (!fs.isDirectory(indexFile.getParent())) {
                return; // no private folder (a backup root only rebuild-state has touched): nothing to speed up yet
            }
            MetadataIndex.write(fs, indexFile, sf.saveId() + "@" + sf.changesThrough(), stamp, sf.hashAlgorithm(), sf.sources(), outlook,
                    clock.instant(), offsets);
        } catch (IOException | RuntimeException e) {
            log.warn("Could not write the metadata index {} ({}); the next pass loads state.json instead", indexFile, e.toString());
        }
    }

    /** Removes a temp file left by a save that was interrupted. */
    public void cleanLeftovers() throws IOException {
        fs.deleteIfExists(file.resolveSibling(TEMP_NAME));
    }

    /** {@code out}, every byte written through it also fed to {@code offsets}. */
    private static OutputStream observed(OutputStream out, StateOffsets offsets) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                offsets.feed(new byte[] {(byte) b}, 0, 1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                offsets.feed(b, off, len);
                out.write(b, off, len);
            }
        };
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
