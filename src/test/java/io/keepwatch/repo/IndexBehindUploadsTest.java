package io.keepwatch.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.testing.TestFs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store that uploads packs in the background (S3) is not drained each time an index object is written: the
 * index of the oldest {@link Repository#PACKS_PER_INDEX} packs waits for those uploads only, while the newer ones
 * go on; no index object is written before every pack it could name is stored.
 */
class IndexBehindUploadsTest {
    private FileSystem jimfs;
    private Path repoDir;
    private Path keyFile;

    @BeforeEach
    void setUp() throws Exception {
        jimfs = TestFs.unix();
        repoDir = jimfs.getPath("/repo");
        keyFile = jimfs.getPath("/keys/repo.key");
        Repository.init(new LocalStore(repoDir), keyFile, Optional.empty(), KeyFile.DEFAULT_KDF);
    }

    @AfterEach
    void tearDown() throws IOException {
        jimfs.close();
    }

    /**
     * Packs handed to {@link #putNew} stay "uploading" (their bytes are dropped: only the order of events is looked
     * at) until awaited; every other object goes to the folder store. Each index object written records how many
     * packs were handed over and how many of them were stored at that moment.
     */
    static final class BackgroundStore implements BlobStore {
        final LocalStore folder;
        final Set<String> uploading = new LinkedHashSet<>();
        final List<String> stored = new ArrayList<>();
        final List<int[]> indexWrites = new ArrayList<>();

        BackgroundStore(Path root) {
            folder = new LocalStore(root);
        }

        @Override
        public void putNew(String name, byte[] data) {
            uploading.add(name);
        }

        @Override
        public void awaitPuts() {
            stored.addAll(uploading);
            uploading.clear();
        }

        @Override
        public void awaitPuts(Collection<String> names) {
            for (String n : names) {
                if (uploading.remove(n)) {
                    stored.add(n);
                }
            }
        }

        @Override
        public boolean putIfAbsent(String name, byte[] data) throws IOException {
            if (name.startsWith("index/")) {
                indexWrites.add(new int[] {stored.size() + uploading.size(), stored.size()});
            }
            return folder.putIfAbsent(name, data);
        }

        @Override
        public byte[] get(String name) throws IOException {
            return folder.get(name);
        }

        @Override
        public byte[] getRange(String name, long offset, int length) throws IOException {
            return folder.getRange(name, offset, length);
        }

        @Override
        public List<Entry> list(String prefix) throws IOException {
            return folder.list(prefix);
        }

        @Override
        public Optional<Long> stat(String name) throws IOException {
            return folder.stat(name);
        }

        @Override
        public void delete(String name) throws IOException {
            folder.delete(name);
        }

        @Override
        public void create() throws IOException {
            folder.create();
        }

        @Override
        public String describe() {
            return "background uploads to " + folder.describe();
        }

        @Override
        public void close() throws IOException {
            folder.close();
        }
    }

    @Test
    void theIndexOfTheOldestPacksIsWrittenWhileTheNewestStillUpload() throws Exception {
        BackgroundStore store = new BackgroundStore(repoDir);
        byte[] chunk = new byte[1 << 20];
        new Random(16).nextBytes(chunk); // incompressible: a pack holds 16 of them
        int packs = 2 * Repository.PACKS_PER_INDEX + 3;
        try (Repository repo = Repository.open(store, keyFile, Optional.empty(), Optional.empty())) {
            for (int i = 0; i < packs * (Pack.TARGET >> 20); i++) {
                chunk[0] = (byte) i;
                chunk[1] = (byte) (i >> 8);
                repo.add(Pack.DATA, chunk, 0, chunk.length);
            }
            // Packs are written as they fill: 2 x PACKS_PER_INDEX of them are handed over by now.
            assertEquals(1, store.indexWrites.size(), "one index object while packs are still being added");
            int[] first = store.indexWrites.get(0);
            assertEquals(2 * Repository.PACKS_PER_INDEX, first[0], "written when the second batch of packs was handed over");
            assertEquals(Repository.PACKS_PER_INDEX, first[1], "only the oldest batch was waited for; the newer packs go on uploading");
            assertTrue(store.uploading.size() >= Repository.PACKS_PER_INDEX, "the newer packs were not waited for: " + store.uploading);

            repo.flush();
        }
        assertTrue(store.uploading.isEmpty(), "flush waits for every upload");
        assertEquals(packs, store.stored.size());
        assertEquals(2, store.indexWrites.size());
        int[] last = store.indexWrites.get(1);
        assertEquals(last[0], last[1], "the last index object is written once every pack is stored");
    }
}
