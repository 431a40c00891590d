package io.keepwatch.repo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.AEADBadTagException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One opened repository: its config, its key, its index, and the pack being filled. Blobs (chunks and
 * trees) are added by id and deduplicated against the index; a pack is written when it reaches
 * {@link Pack#TARGET}, and an index object for the packs written since the last one every
 * {@link #PACKS_PER_INDEX} packs and at {@link #flush}. A pack may be uploaded in the background
 * ({@link BlobStore#putNew}); the index object that lists it is written only once it is stored, and one batch late
 * (when the next {@link #PACKS_PER_INDEX} packs are written too), so the uploads still running are not waited for
 * (waiting for all of them every 8 packs emptied the S3 upload pipeline each time). Index objects are cached (as stored, still sealed)
 * in a local cache folder, so a repository on object storage is not read whole at each open.
 *
 * <p>Over 400 lines (about 610): opening and creating (config, key check), the index (load, cache, orphan packs) and
 * the pack being filled all share the open key and the index; the index loading and caching is the next part that
 * could stand alone.
 */
public final class Repository implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Repository.class);
    static final String CONFIG = "config";
    static final int FORMAT = 1;
    static final int PACKS_PER_INDEX = 8;
    static final ObjectMapper JSON = new ObjectMapper();

    private final BlobStore store;
    private final Crypto crypto;
    private final String id;
    private final Chunker chunker;
    private final Index index = new Index();
    /** Whether {@link #loadIndex} has run: a repository opened by {@link #openUnindexed} reads its index only when needed. */
    private boolean indexLoaded;
    private final Optional<Path> cache;
    private final Set<String> indexObjects = new HashSet<>();
    /** Index objects that could not be read, with the reason (their packs are then found through their headers). */
    private final Map<String, String> damagedIndex = new LinkedHashMap<>();
    private final Map<String, List<Pack.Entry>> unindexed = new LinkedHashMap<>();
    private Pack.Builder pack = new Pack.Builder();
    /** Compresses and seals added blobs on worker threads; their results are appended to {@link #pack} in order. */
    private final Sealing sealing = new Sealing(this::sealBlob);
    private final Set<String> pending = new HashSet<>();
    private long bytesAdded;

    private Repository(BlobStore store, Crypto crypto, String id, Chunker chunker, Optional<Path> cache) {
        this.store = store;
        this.crypto = crypto;
        this.id = id;
        this.chunker = chunker;
        this.cache = cache;
    }

    /** Creates a repository in an empty store and its first key file; refuses an existing repository or key file. */
    public static String init(BlobStore store, Path keyFile, Optional<char[]> passphrase, KeyFile.Kdf kdf) throws RepoException, IOException {
        store.create();
        if (store.stat(CONFIG).isPresent() || !store.list("").isEmpty()) {
            throw new RepoException("refusing to create a repository in " + store.describe() + ": it is not empty"
                    + (store.stat(CONFIG).isPresent() ? " (a repository is already there)" : ""));
        }
        if (Files.exists(keyFile)) {
            throw new RepoException("refusing to write key file " + keyFile + ": a file is already there; it was left as it is");
        }
        // The key file first: a repository whose key file could not be written would be unreadable.
        KeyFile.Opened key = KeyFile.create(keyFile, passphrase, kdf);
        String id = key.repoId();
        if (!store.putIfAbsent(CONFIG, configBytes(id, new Crypto(key.master())))) {
            Files.deleteIfExists(keyFile);
            throw new RepoException("refusing to create a repository in " + store.describe() + ": one was created there meanwhile");
        }
        return id;
    }

    private static byte[] configBytes(String id, Crypto crypto) throws IOException {
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("keepwatch_repository", FORMAT);
        cfg.put("id", id);
        ObjectNode ch = cfg.putObject("chunker");
        ch.put("min", Chunker.MIN).put("avg", Chunker.AVG).put("max", Chunker.MAX);
        cfg.put("key_check", Hex.of(crypto.keyCheck(configCore(id, Chunker.MIN, Chunker.AVG, Chunker.MAX))));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(cfg);
    }

    /**
     * Writes the config of the repository an opened key belongs to into an empty store, and opens it (an export
     * archive: a repository with the id and master key of an existing key file, which writes no new key file).
     */
    public static Repository create(BlobStore store, KeyFile.Opened key, String keyName) throws RepoException, IOException {
        if (!store.putIfAbsent(CONFIG, configBytes(key.repoId(), new Crypto(key.master())))) {
            throw new RepoException("refusing to create a repository in " + store.describe() + ": one is already there");
        }
        return open(store, key, keyName, Optional.empty());
    }

    private static byte[] configCore(String id, int min, int avg, int max) {
        return Crypto.utf8("keepwatch_repository " + FORMAT + " " + id + " " + min + " " + avg + " " + max);
    }

    /**
     * Opens a repository with a key file: the key must be the repository's (checked against the config's key
     * check before anything is read or written). Loads the index.
     *
     * @param cacheRoot where index objects are cached (under the repository's id), or empty for none
     */
    public static Repository open(BlobStore store, Path keyFile, Optional<char[]> passphrase, Optional<Path> cacheRoot)
            throws RepoException, IOException {
        return open(store, KeyFile.read(keyFile, passphrase), keyFile.toString(), cacheRoot);
    }

    /** {@link #open(BlobStore, Path, Optional, Optional)} with a key file already read; {@code keyFile} names it in messages. */
    public static Repository open(BlobStore store, KeyFile.Opened key, String keyFile, Optional<Path> cacheRoot)
            throws RepoException, IOException {
        Repository repo = openUnindexed(store, key, keyFile, cacheRoot);
        repo.loadIndex();
        return repo;
    }

    /**
     * {@link #open(BlobStore, KeyFile.Opened, String, Optional)} without reading the index: the key is checked, snapshots
     * and other objects can be read, and {@link #loadIndex} reads the index when it is needed (a push that finds
     * nothing to do never needs it; a 200,000-file repository's index costs a fresh JVM about a second).
     */
    public static Repository openUnindexed(BlobStore store, KeyFile.Opened key, String keyFile, Optional<Path> cacheRoot)
            throws RepoException, IOException {
        byte[] raw;
        try {
            raw = store.get(CONFIG);
        } catch (NoSuchFileException e) {
            throw new RepoException("there is no keepwatch repository in " + store.describe() + " (no config object; `keepwatch init` makes one)");
        }
        JsonNode cfg;
        try {
            cfg = JSON.readTree(raw);
        } catch (IOException e) {
            throw new RepoException(store.describe() + ": the repository's config is damaged (not JSON)");
        }
        if (cfg == null || cfg.path("keepwatch_repository").asInt() != FORMAT) {
            throw new RepoException(store.describe() + ": not a keepwatch repository of format " + FORMAT);
        }
        String id = cfg.path("id").asText();
        int min = cfg.path("chunker").path("min").asInt();
        int avg = cfg.path("chunker").path("avg").asInt();
        int max = cfg.path("chunker").path("max").asInt();
        Crypto crypto = new Crypto(key.master());
        if (!key.repoId().equals(id)) {
            throw new RepoException("key file " + keyFile + " does not open the repository in " + store.describe()
                    + ": it is the key of repository " + key.repoId() + ", not " + id);
        }
        if (!java.security.MessageDigest.isEqual(crypto.keyCheck(configCore(id, min, avg, max)),
                Hex.parse(cfg.path("key_check").asText(), 32, "config key_check"))) {
            throw new RepoException("key file " + keyFile + " does not open the repository in " + store.describe()
                    + " (the key does not match the repository's key check; the key file or the config is damaged)");
        }
        if (min < 64 * 1024 || max > 64 * 1024 * 1024) {
            throw new RepoException(store.describe() + ": chunk sizes in the config out of range");
        }
        Chunker chunker = new Chunker(crypto.gearKey(), min, avg, max);
        Optional<Path> cache = cacheRoot.map(r -> r.resolve(id));
        return new Repository(store, crypto, id, chunker, cache);
    }

    public String id() {
        return id;
    }

    public BlobStore store() {
        return store;
    }

    Crypto crypto() {
        return crypto;
    }

    Chunker chunker() {
        return chunker;
    }

    Index index() {
        if (!indexLoaded) {
            throw new IllegalStateException("the repository's index is not loaded (loadIndex() first)");
        }
        return index;
    }

    /** Sealed bytes this session added to the repository (packs, index, snapshot). */
    public long bytesAdded() {
        return bytesAdded;
    }

    /** Reads the index (from the cache where it holds an index object); once, later calls do nothing. */
    public void loadIndex() throws IOException, RepoException {
        if (indexLoaded) {
            return;
        }
        List<BlobStore.Entry> objects = store.list("index/");
        if (cache.isPresent()) {
            Private.ensureTop(cache.get());
            Private.ensureDir(cache.get(), cache.get().resolve("index"));
        }
        Set<String> names = new HashSet<>();
        for (BlobStore.Entry o : objects) {
            names.add(o.name());
            try {
                for (Map.Entry<String, List<Pack.Entry>> p : readIndexObject(o).entrySet()) {
                    index.addPack(p.getKey(), p.getValue());
                }
                indexObjects.add(o.name());
            } catch (RepoException e) {
                log.warn("{}; its packs are found through their headers", e.getMessage());
                damagedIndex.put(o.name(), e.getMessage());
            }
        }
        if (cache.isPresent()) {
            try (var s = Files.list(cache.get().resolve("index"))) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (!names.contains("index/" + p.getFileName())) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        indexLoaded = true;
    }

    /** The packs an index object lists; a damaged one is a {@link RepoException} naming it. */
    Map<String, List<Pack.Entry>> readIndexObject(BlobStore.Entry o) throws IOException, RepoException {
        String base = o.name().substring("index/".length());
        Path cached = cache.map(c -> c.resolve("index").resolve(base)).orElse(null);
        if (cached != null && Files.isRegularFile(cached) && Files.size(cached) == o.size()) {
            try {
                return Index.decode(open(o.name(), Files.readAllBytes(cached)), o.name());
            } catch (RepoException e) {
                log.debug("cached {} unreadable, reading it from the repository", o.name());
            }
        }
        byte[] sealed = store.get(o.name());
        Map<String, List<Pack.Entry>> packs = Index.decode(open(o.name(), sealed), o.name());
        if (cached != null) {
            Files.deleteIfExists(cached);
            Private.writeNew(cached, sealed);
        }
        return packs;
    }

    /** Opens a sealed object whose associated data is its own name. */
    byte[] open(String name, byte[] sealed) throws RepoException {
        try {
            return crypto.open(Crypto.utf8(name), sealed, 0, sealed.length);
        } catch (AEADBadTagException e) {
            throw new RepoException(name + " is damaged: it does not decrypt (authentication failed)");
        }
    }

    /** Stores a sealed JSON object under {@code dir/<random id>}; returns its name. */
    public String saveObject(String dir, byte[] plaintext) throws IOException, RepoException {
        String name = saveSealed(dir, plaintext);
        bytesAdded += plaintext.length + Crypto.OVERHEAD;
        return name;
    }

    /** Stores a sealed object that does not stay (a lock): not counted in {@link #bytesAdded}. */
    String saveSealed(String dir, byte[] plaintext) throws IOException, RepoException {
        String name = dir + "/" + Crypto.randomId();
        byte[] sealed = crypto.seal(Crypto.utf8(name), plaintext, 0, plaintext.length);
        if (!store.putIfAbsent(name, sealed)) {
            throw new RepoException("object " + name + " already exists (random ids collided?)");
        }
        return name;
    }

    public byte[] loadObject(String name) throws IOException, RepoException {
        return open(name, store.get(name));
    }

    /** Whether the repository holds (or this session has added) the blob. */
    public boolean has(String blobId) {
        return index().has(blobId) || pending.contains(blobId);
    }

    /** Adds a blob unless the repository has it; {@code id} must be {@link Crypto#chunkId} of the data. */
    boolean add(byte type, String blobId, byte[] data, int off, int len) throws IOException, RepoException {
        if (has(blobId)) {
            return false;
        }
        return addAgain(type, blobId, data, off, len);
    }

    /** Adds a blob even though the index has it (prune moving it out of a pack it deletes); once per session. */
    boolean addAgain(byte type, String blobId, byte[] data, int off, int len) throws IOException, RepoException {
        if (pending.contains(blobId)) {
            return false;
        }
        submit(type, blobId, java.util.Arrays.copyOfRange(data, off, off + len));
        return true;
    }

    /**
     * Adds a data chunk unless the repository has it, taking over {@code data} (the caller must not change it: no
     * copy is made); {@code blobId} must be {@link Crypto#chunkId} of it.
     */
    boolean addChunk(String blobId, byte[] data) throws IOException, RepoException {
        if (has(blobId)) {
            return false;
        }
        submit(Pack.DATA, blobId, data);
        return true;
    }

    private void submit(byte type, String blobId, byte[] data) throws IOException, RepoException {
        pending.add(blobId);
        sealing.submit(type, blobId, data);
        appendSealed(sealing.completedHeads());
    }

    /** Appends blobs sealed by {@link #sealing}, in the order they were added, writing each pack that fills. */
    private void appendSealed(List<Sealing.Sealed> blobs) throws IOException, RepoException {
        for (Sealing.Sealed b : blobs) {
            pack.add(b.type(), b.id(), b.sealed(), b.rawLength());
            if (pack.size() >= Pack.TARGET) {
                writePack();
            }
        }
    }

    /** Compresses and seals one blob's plaintext as a pack stores it: a flag byte, then zstd or the bytes as they are. */
    byte[] sealBlob(byte type, String blobId, byte[] data) {
        byte[] zipped = Zstd.compress(data, 0, data.length);
        return crypto.sealFlagged(Pack.blobAad(type, Hex.bytes(blobId)), zipped != null ? 1 : 0, zipped != null ? zipped : data);
    }

    /** Adds a blob, computing its id; returns the id. */
    String add(byte type, byte[] data, int off, int len) throws IOException, RepoException {
        String blobId = Hex.of(crypto.chunkId(data, off, len));
        add(type, blobId, data, off, len);
        return blobId;
    }

    private void writePack() throws IOException, RepoException {
        if (pack.isEmpty()) {
            return;
        }
        String packId = Crypto.randomId();
        List<byte[]> parts = pack.finish(crypto, packId);
        long bytes = BlobStore.size(parts);
        store.putNew(Pack.name(packId), parts);
        bytesAdded += bytes;
        List<Pack.Entry> entries = pack.entries();
        index().addPack(packId, entries);
        unindexed.put(packId, entries);
        pack = new Pack.Builder();
        log.debug("wrote pack {} ({} blobs, {} bytes)", packId, entries.size(), bytes);
        if (unindexed.size() >= 2 * PACKS_PER_INDEX) {
            writeOldestIndex();
        }
    }

    /**
     * Writes an index object for the oldest {@link #PACKS_PER_INDEX} packs not in one yet, once their uploads are
     * done: they were handed to the store {@link #PACKS_PER_INDEX} packs ago, so unless more uploads than that run
     * at once they are, and the newer ones go on uploading meanwhile.
     */
    private void writeOldestIndex() throws IOException, RepoException {
        Map<String, List<Pack.Entry>> oldest = new LinkedHashMap<>();
        for (var e : unindexed.entrySet()) {
            if (oldest.size() == PACKS_PER_INDEX) {
                break;
            }
            oldest.put(e.getKey(), e.getValue());
        }
        store.awaitPuts(oldest.keySet().stream().map(Pack::name).toList()); // an index never names a pack not stored
        indexObjects.add(saveObject("index", Index.encode(oldest)));
        unindexed.keySet().removeAll(oldest.keySet());
    }

    private void writeIndex() throws IOException, RepoException {
        store.awaitPuts(); // an index object never names a pack that is not stored yet
        if (unindexed.isEmpty()) {
            return;
        }
        String name = saveObject("index", Index.encode(unindexed));
        indexObjects.add(name);
        unindexed.clear();
    }

    /**
     * Writes index objects that list exactly {@code packs} (prune: every pack that stays), 256 packs to an
     * object; the caller then deletes the index objects it read. Returns the names written.
     */
    List<String> writeIndexOf(java.util.Collection<String> packs) throws IOException, RepoException {
        if (!pack.isEmpty() || sealing.busy()) {
            throw new IllegalStateException("finishPack() first: the pack being filled would be in no index");
        }
        store.awaitPuts();
        unindexed.clear();
        List<String> names = new ArrayList<>();
        Map<String, List<Pack.Entry>> batch = new LinkedHashMap<>();
        for (String p : packs) {
            batch.put(p, index().pack(p));
            if (batch.size() == 256) {
                names.add(saveObject("index", Index.encode(batch)));
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            names.add(saveObject("index", Index.encode(batch)));
        }
        indexObjects.addAll(names);
        pending.clear();
        return names;
    }

    /** Writes the pack being filled, if any, into the store and the in-memory index (prune, before {@link #writeIndexOf}). */
    void finishPack() throws IOException, RepoException {
        appendSealed(sealing.drain());
        writePack();
    }

    /** Writes the pack being filled and an index object for every pack not in one yet. */
    public void flush() throws IOException, RepoException {
        appendSealed(sealing.drain());
        writePack();
        writeIndex();
        pending.clear();
    }

    /** Reads a blob: its sealed bytes from the pack, opened, decompressed and checked against its id. */
    byte[] read(String blobId) throws IOException, RepoException {
        Index.Location loc = index().find(blobId).orElseThrow(() -> new RepoException("blob " + blobId + " is not in the index"));
        Pack.Entry e = loc.entry();
        byte[] sealed;
        try {
            sealed = store.getRange(Pack.name(loc.packId()), e.offset(), e.length());
        } catch (NoSuchFileException x) {
            throw new RepoException("pack " + Pack.name(loc.packId()) + " is missing");
        } catch (java.io.EOFException x) {
            throw new RepoException("pack " + Pack.name(loc.packId()) + " is truncated: " + x.getMessage());
        }
        return openBlob(loc.packId(), e, sealed, 0);
    }

    /** Opens one blob's sealed bytes found at {@code off} in {@code buf}, and checks its id. */
    byte[] openBlob(String packId, Pack.Entry e, byte[] buf, int off) throws RepoException {
        Scratch s = new Scratch();
        java.nio.ByteBuffer data = openBlob(packId, e, buf, off, s);
        byte[] out = new byte[data.remaining()];
        data.get(out);
        return out;
    }

    /**
     * Opens one blob's sealed bytes found at {@code off} in {@code buf} into {@code scratch}'s arrays (decrypted,
     * decompressed if it is, its HMAC checked against its id) and returns its plaintext, valid until the scratch is
     * used again: a reader of many blobs (check --read-data) allocates nothing per blob.
     */
    java.nio.ByteBuffer openBlob(String packId, Pack.Entry e, byte[] buf, int off, Scratch scratch) throws RepoException {
        return openBlob(packId, e, ByteBuffer.wrap(buf), off, scratch);
    }

    /** {@link #openBlob(String, Pack.Entry, byte[], int, Scratch)} of a pack in a buffer (a direct one is decrypted where it is). */
    java.nio.ByteBuffer openBlob(String packId, Pack.Entry e, ByteBuffer buf, int off, Scratch scratch) throws RepoException {
        String where = "blob " + e.id() + " in pack " + Pack.name(packId);
        byte[] plain = scratch.plain(e.length());
        int plainLength;
        try {
            plainLength = crypto.openInto(Pack.blobAad(e.type(), Hex.bytes(e.id())), buf, off, e.length(), plain);
        } catch (AEADBadTagException x) {
            throw new RepoException(where + " is damaged: it does not decrypt (authentication failed)");
        }
        java.nio.ByteBuffer data;
        if (plainLength == 0 || plain[0] > 1) {
            throw new RepoException(where + " is damaged: unknown compression flag");
        } else if (plain[0] == 1) {
            byte[] out = scratch.data(e.rawLength());
            try {
                Zstd.decompress(plain, 1, plainLength - 1, out, e.rawLength());
            } catch (RepoException x) {
                throw new RepoException(where + " is damaged: " + x.getMessage());
            }
            data = java.nio.ByteBuffer.wrap(out, 0, e.rawLength());
        } else {
            data = java.nio.ByteBuffer.wrap(plain, 1, plainLength - 1);
        }
        if (data.remaining() != e.rawLength()
                || !Hex.of(crypto.chunkId(data.array(), data.position(), data.remaining())).equals(e.id())) {
            throw new RepoException(where + " is damaged: its content does not match its id");
        }
        return data;
    }

    /** The arrays one thread reuses to open blobs ({@link #openBlob(String, Pack.Entry, byte[], int, Scratch)}); they grow as needed. */
    static final class Scratch {
        private byte[] plain = new byte[0];
        private byte[] data = new byte[0];

        byte[] plain(int sealedLength) {
            if (plain.length < sealedLength) {
                plain = new byte[sealedLength];
            }
            return plain;
        }

        byte[] data(int rawLength) {
            if (data.length < rawLength) {
                data = new byte[rawLength];
            }
            return data;
        }
    }

    /** The header of a pack, read from its tail. */
    List<Pack.Entry> packHeader(String packId, long size) throws IOException, RepoException {
        String name = Pack.name(packId);
        if (size < 4) {
            throw new RepoException("pack " + name + " is truncated (" + size + " bytes)");
        }
        int hlen = ByteBuffer.wrap(store.getRange(name, size - 4, 4)).getInt();
        if (hlen < Crypto.OVERHEAD || hlen > size - 4) {
            throw new RepoException("pack " + name + " is truncated or damaged: its header length " + hlen + " does not fit");
        }
        return Pack.header(crypto, packId, store.getRange(name, size - 4 - hlen, hlen));
    }

    /**
     * Packs in the store that no index lists (left by a push that was stopped before its index object was
     * written): their headers are read and added to the index, and, when {@code write}, an index object is
     * written for them so the next open need not read them again.
     *
     * @return how many such packs were found
     */
    public int indexOrphanPacks(boolean write) throws IOException, RepoException {
        int n = 0;
        for (BlobStore.Entry o : store.list("data/")) {
            String packId = o.name().substring(o.name().lastIndexOf('/') + 1);
            if (index().packIds().contains(packId) || !o.name().equals(Pack.name(packId)) || packId.length() != 64) {
                continue;
            }
            try {
                List<Pack.Entry> entries = packHeader(packId, o.size());
                index().addPack(packId, entries);
                unindexed.put(packId, entries);
                n++;
            } catch (RepoException e) {
                log.warn("pack {} is not indexed and its header is unreadable: {}", o.name(), e.getMessage());
            }
        }
        if (write) {
            writeIndex();
        } else {
            unindexed.clear();
        }
        return n;
    }

    /** Index objects that could not be read, by name, with the reason. */
    Map<String, String> damagedIndex() {
        index();
        return damagedIndex;
    }

    /** The names of the index objects read or written. */
    Set<String> indexObjects() {
        return indexObjects;
    }

    @Override
    public void close() throws IOException {
        sealing.close();
        store.close();
    }

    /** Chunks a stream into the repository; returns the chunk ids in order. */
    public List<String> addStream(java.io.InputStream in) throws IOException, RepoException {
        List<String> ids = new ArrayList<>();
        try {
            chunker.split(in, (buf, off, len) -> {
                try {
                    ids.add(add(Pack.DATA, buf, off, len));
                } catch (RepoException e) {
                    throw new WrappedRepoException(e);
                }
            });
        } catch (WrappedRepoException e) {
            throw (RepoException) e.getCause();
        }
        return ids;
    }

    /** Carries a {@link RepoException} through the chunker's sink. */
    private static final class WrappedRepoException extends IOException {
        private static final long serialVersionUID = 1L;

        WrappedRepoException(RepoException e) {
            super(e);
        }
    }
}
