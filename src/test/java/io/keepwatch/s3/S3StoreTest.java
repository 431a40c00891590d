package io.keepwatch.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keepwatch.config.S3Config;
import io.keepwatch.repo.BlobStore;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 store's contract against a real S3 server (S3Proxy): write-once, ranges, listing under a prefix, multipart, append-only. */
class S3StoreTest {
    @TempDir
    static Path tmp;
    static S3ProxyServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new S3ProxyServer(tmp.resolve("s3"), "bucket");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static S3Config config(boolean appendOnly, long partSize) throws IOException {
        S3Config d = S3Config.defaults();
        return new S3Config(d.region(), Optional.empty(), Optional.of(S3ProxyServer.credentialsFile(tmp.resolve("creds"))),
                Optional.empty(), false, 3, 0, partSize, Duration.ofSeconds(20), appendOnly, Optional.empty());
    }

    private BlobStore open(String prefix, boolean appendOnly) throws Exception {
        return Stores.open(server.url("bucket/" + prefix), config(appendOnly, 5L << 20));
    }

    @Test
    void objectsAreWrittenOnceReadWholeOrByRangeAndListedUnderThePrefix() throws Exception {
        try (BlobStore s = open("hosts/one", false); BlobStore other = open("hosts/two", false)) {
            assertEquals("s3:http://127.0.0.1:" + server.port() + "/bucket/hosts/one", s.describe());
            assertTrue(s.putIfAbsent("config", "first".getBytes()));
            assertFalse(s.putIfAbsent("config", "second".getBytes()), "a write never replaces");
            assertArrayEquals("first".getBytes(), s.get("config"));
            assertTrue(s.putIfAbsent("data/ab/abcd", "0123456789".getBytes()));
            assertArrayEquals("345".getBytes(), s.getRange("data/ab/abcd", 3, 3));
            assertThrows(EOFException.class, () -> s.getRange("data/ab/abcd", 8, 5));
            assertThrows(NoSuchFileException.class, () -> s.get("index/none"));
            assertEquals(Optional.of(10L), s.stat("data/ab/abcd"));
            assertEquals(Optional.empty(), s.stat("data/ab/none"));
            assertEquals(List.of(new BlobStore.Entry("data/ab/abcd", 10)), s.list("data/"));
            assertEquals(2, s.list("").size());
            assertEquals(List.of(), other.list(""), "another prefix of the same bucket is another repository");
            s.delete("data/ab/abcd");
            s.delete("data/ab/abcd");
            assertEquals(List.of(), s.list("data/"));
        }
    }

    @Test
    void aLargeObjectGoesUpInPartsAndPacksInParallelAndATakenNameIsAFailure() throws Exception {
        byte[] big = new byte[(11 << 20) + 12345];
        new Random(7).nextBytes(big);
        try (BlobStore s = open("multi", false)) {
            assertTrue(s.putIfAbsent("data/00/big", big));
            assertArrayEquals(big, s.get("data/00/big"));
            assertFalse(s.putIfAbsent("data/00/big", new byte[6 << 20]), "a conditional completion never replaces either");
            assertArrayEquals(big, s.get("data/00/big"));
            for (int i = 0; i < 6; i++) {
                s.putNew("data/01/pack" + i, ("pack " + i).getBytes());
            }
            s.awaitPuts();
            assertEquals(6, s.list("data/01/").size());
            s.putNew("data/01/pack0", "again".getBytes());
            assertThrows(FileAlreadyExistsException.class, s::awaitPuts);
            assertArrayEquals("pack 0".getBytes(), s.get("data/01/pack0"));
        }
    }

    /**
     * Over http an upload carries no Content-MD5: the SDK signs its body chunk by chunk (SigV4 streaming), and the
     * server checks each chunk's signature, so a body corrupted on the way is refused and nothing is stored.
     */
    @Test
    void aBodyCorruptedOnTheWayIsRefusedAndNotStored() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(5).nextBytes(data);
        // Every connection through the proxy flips byte 600,000: which connection the client's PUT takes (a new one, or
        // one kept alive from an earlier request) is the HTTP client's choice, and under load it was not the first one.
        try (FaultProxy proxy = new FaultProxy(server.port(), List.of(new FaultProxy.Flip(600_000)));
                BlobStore viaProxy = Stores.open("s3:http://127.0.0.1:" + proxy.port() + "/bucket/flipped", config(false, 5L << 20));
                BlobStore direct = open("flipped", false)) {
            Retrier.S3IOException e = assertThrows(Retrier.S3IOException.class, () -> viaProxy.putIfAbsent("data/00/flipped", data));
            assertTrue(proxy.count("Flip") >= 1, "the upload went through a flipping connection");
            assertEquals(403, e.status, e.getMessage());
            assertTrue(e.getMessage().contains("SignatureDoesNotMatch"), e.getMessage());
            assertEquals(Optional.empty(), direct.stat("data/00/flipped"), "a corrupted body is not stored");
            assertTrue(direct.putIfAbsent("data/00/flipped", data), "nothing (not even a partial object) holds the name");
            assertArrayEquals(data, viaProxy.get("data/00/flipped"), "the proxy flips uploads only");
        }
    }

    @Test
    void aDownEndpointIsUnavailableAfterTheRetriesAndWorksAgainWhenItIsBack() throws Exception {
        S3Config d = config(false, 5L << 20);
        // 10 s of retries: on a loaded machine one refused attempt can take most of 2 s, and then none would follow
        S3Config quick = new S3Config(d.region(), d.pathStyle(), d.credentialsFile(), d.profile(), false, 2, 0, d.partSize(),
                Duration.ofSeconds(10), false, Optional.empty());
        try (FaultProxy proxy = new FaultProxy(server.port(), List.of(new FaultProxy.Pass(Long.MAX_VALUE)));
                BlobStore s = Stores.open("s3:http://127.0.0.1:" + proxy.port() + "/bucket/down", quick)) {
            proxy.down();
            io.keepwatch.repo.StoreUnavailableException e = assertThrows(io.keepwatch.repo.StoreUnavailableException.class,
                    () -> s.putIfAbsent("config", "x".getBytes()));
            assertTrue(e.getMessage().startsWith("s3:http://127.0.0.1:" + proxy.port() + "/bucket/down: PUT config failed: "), e.getMessage());
            assertTrue(e.getMessage().contains("attempts in "), e.getMessage());
            assertTrue(proxy.count("refused") > 1, "it was retried");
            proxy.up();
            assertTrue(s.putIfAbsent("config", "x".getBytes()));
            assertArrayEquals("x".getBytes(), s.get("config"));
        }
    }

    @Test
    void anAppendOnlyStoreDeletesNothing() throws Exception {
        try (BlobStore s = open("append", true)) {
            assertTrue(s.appendOnly());
            assertTrue(s.putIfAbsent("snapshots/x", "x".getBytes()));
            IOException e = assertThrows(IOException.class, () -> s.delete("snapshots/x"));
            assertTrue(e.getMessage().contains("append-only"), e.getMessage());
            assertArrayEquals("x".getBytes(), s.get("snapshots/x"));
        }
    }

    @Test
    void badUrlsAreRefusedWithTheReason() {
        for (String[] c : new String[][] {
                {"s3:ftp://host/bucket", "needs http:// or https://"},
                {"s3:http://user:pw@host/bucket", "must not hold credentials"},
                {"s3:http://host/", "is not a bucket name"},
                {"s3:http://host/Bucket_1", "is not a bucket name"},
                {"s3:http://host/bucket/a/../b", "not a clean path"}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> S3Location.parse(c[0]));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
            assertFalse(e.getMessage().contains("pw@"), "no credential is repeated: " + e.getMessage());
        }
        S3Location l = S3Location.parse("s3:https://s3.eu-central-1.amazonaws.com/my-bucket/keepwatch/laptop/");
        assertEquals("https://s3.eu-central-1.amazonaws.com", l.endpoint().toString());
        assertEquals("my-bucket", l.bucket());
        assertEquals("keepwatch/laptop/config", l.key("config"));
        assertTrue(l.isAws());
    }
}
