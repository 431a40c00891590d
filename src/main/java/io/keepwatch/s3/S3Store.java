package io.keepwatch.s3;

import io.keepwatch.config.S3Config;
import io.keepwatch.repo.BlobStore;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A repository in an S3 bucket (under a prefix). Every write is conditional ({@code If-None-Match: *}), so it never
 * replaces an object: a 412 answer means the name is taken. When an earlier attempt of the same write failed
 * after its body may have arrived (a cut connection, a 5xx), a 412 is checked by reading the object back: the
 * same bytes mean the earlier attempt stored it. Objects larger than the part size go up as multipart uploads
 * (conditional at completion, aborted on failure). Every upload carries a checksum the server checks: over
 * {@code http} the SDK always signs the body (SigV4 streaming: each 128 KiB chunk carries a signature over its
 * SHA-256, which the server verifies before it stores anything); over {@code https}, where the SDK sends the body
 * unsigned, and with Object Lock (AWS requires it there), each upload request carries a Content-MD5.
 * Packs ({@link #putNew}) are uploaded on {@code parallel_uploads} threads while the caller fills the next; at
 * most that many wait or run at once, so memory stays bounded. Every request goes through {@link Retrier}.
 *
 * <p>With {@code append_only}, {@link #delete} is refused: keepwatch then never deletes or overwrites in the
 * bucket. With Object Lock, every object is written with a retain-until date of now + the retention, in the
 * configured mode, and {@link #retainedUntil} reads it back (prune leaves such objects alone).
 *
 * <p>Over 400 lines (about 510): one method per store operation, each with its S3 error mapping, plus the multipart
 * upload and the background uploads; the background uploads repeat {@code repo.BackgroundPuts}'s bookkeeping and
 * are the next part to share with it.
 */
public final class S3Store implements BlobStore {
    private static final Logger log = LoggerFactory.getLogger(S3Store.class);
    private static final AtomicInteger STORES = new AtomicInteger();

    private final S3Client client;
    private final S3Location loc;
    private final S3Config cfg;
    private final Clock clock;
    private final Retrier retrier;
    private final Optional<Throttle> throttle;
    /**
     * Whether uploads carry a Content-MD5: not over plain http, where the signed body already is checked chunk by
     * chunk (an MD5 of every pack again cost the client about 1.5 s of CPU per GB).
     */
    private final boolean contentMd5;
    private final Semaphore uploadSlots;
    private final Semaphore queued;
    private final ExecutorService packs;
    private final ExecutorService parts;
    /** Uploads handed over by {@link #putNew} and not yet awaited, by object name, oldest first. */
    private final Map<String, Future<?>> pending = new LinkedHashMap<>();

    S3Store(S3Client client, S3Location loc, S3Config cfg, Clock clock) {
        this(client, loc, cfg, clock, false);
    }

    /** @param quietRetries whether retries are logged at DEBUG only (see {@link Retrier}) */
    S3Store(S3Client client, S3Location loc, S3Config cfg, Clock clock, boolean quietRetries) {
        this.client = client;
        this.loc = loc;
        this.cfg = cfg;
        this.clock = clock;
        this.retrier = new Retrier(loc.toString(), cfg.retryFor(), quietRetries);
        this.contentMd5 = !"http".equalsIgnoreCase(loc.endpoint().getScheme()) || cfg.objectLock().isPresent();
        this.throttle = cfg.bandwidthLimit() > 0 ? Optional.of(new Throttle(cfg.bandwidthLimit())) : Optional.empty();
        this.uploadSlots = new Semaphore(cfg.parallelUploads());
        this.queued = new Semaphore(cfg.parallelUploads());
        int n = STORES.incrementAndGet();
        this.packs = Executors.newFixedThreadPool(cfg.parallelUploads(), daemon("keepwatch-s3-" + n + "-upload"));
        this.parts = Executors.newFixedThreadPool(cfg.parallelUploads(), daemon("keepwatch-s3-" + n + "-part"));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger i = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + i.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public S3Location location() {
        return loc;
    }

    @Override
    public boolean putIfAbsent(String name, byte[] data) throws IOException {
        String key = loc.key(BlobStore.checkName(name));
        return data.length > cfg.partSize() ? multipart(name, key, data) : single(name, key, data);
    }

    private boolean single(String name, String key, byte[] data) throws IOException {
        String md5 = contentMd5 ? md5(data, 0, data.length) : null;
        boolean[] ambiguous = new boolean[1];
        try {
            return retrier.call("PUT " + name, attempt -> {
                ambiguous[0] |= attempt > 1;
                PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(loc.bucket()).key(key).ifNoneMatch("*")
                        .contentLength((long) data.length).contentMD5(md5).contentType("application/octet-stream");
                lockHeaders(b);
                withSlot(() -> client.putObject(b.build(), body(data, 0, data.length)));
                return true;
            });
        } catch (Retrier.S3IOException e) {
            if (e.status == 412) {
                return ambiguous[0] && sameBytes(name, data);
            }
            throw e;
        }
    }

    private boolean multipart(String name, String key, byte[] data) throws IOException {
        CreateMultipartUploadRequest.Builder cb = CreateMultipartUploadRequest.builder().bucket(loc.bucket()).key(key)
                .contentType("application/octet-stream");
        if (cfg.objectLock().isPresent()) {
            cb.objectLockMode(cfg.objectLock().get().compliance() ? ObjectLockMode.COMPLIANCE : ObjectLockMode.GOVERNANCE)
                    .objectLockRetainUntilDate(retainUntil());
        }
        String uploadId = retrier.call("CreateMultipartUpload " + name, a -> client.createMultipartUpload(cb.build()).uploadId());
        boolean done = false;
        try {
            int count = (int) ((data.length + cfg.partSize() - 1) / cfg.partSize());
            List<Future<CompletedPart>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int partNo = i + 1;
                int off = (int) (i * cfg.partSize());
                int len = (int) Math.min(cfg.partSize(), data.length - off);
                futures.add(parts.submit(() -> uploadPart(name, key, uploadId, partNo, data, off, len)));
            }
            List<CompletedPart> completed = new ArrayList<>();
            for (Future<CompletedPart> f : futures) {
                completed.add(await(f));
            }
            boolean[] ambiguous = new boolean[1];
            try {
                retrier.call("CompleteMultipartUpload " + name, attempt -> {
                    ambiguous[0] |= attempt > 1;
                    return client.completeMultipartUpload(c -> c.bucket(loc.bucket()).key(key).uploadId(uploadId).ifNoneMatch("*")
                            .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build()));
                });
                done = true;
                return true;
            } catch (Retrier.S3IOException e) {
                if (e.status == 412) {
                    return ambiguous[0] && sameBytes(name, data);
                }
                if (e.status == 404 && ambiguous[0] && sameBytes(name, data)) {
                    done = true; // the upload was completed by an attempt whose answer was lost
                    return true;
                }
                throw e;
            }
        } finally {
            if (!done) {
                try {
                    retrier.call("AbortMultipartUpload " + name, a -> client.abortMultipartUpload(x -> x.bucket(loc.bucket()).key(key)
                            .uploadId(uploadId)));
                } catch (IOException | RuntimeException e) {
                    log.debug("{}: aborting the upload of {} failed: {}", loc, name, e.getMessage());
                }
            }
        }
    }

    private CompletedPart uploadPart(String name, String key, String uploadId, int partNo, byte[] data, int off, int len)
            throws IOException {
        String md5 = contentMd5 ? md5(data, off, len) : null;
        String etag = retrier.call("UploadPart " + partNo + " of " + name, a -> withSlot(() -> client.uploadPart(p -> p
                .bucket(loc.bucket()).key(key).uploadId(uploadId).partNumber(partNo).contentLength((long) len).contentMD5(md5),
                body(data, off, len)).eTag()));
        return CompletedPart.builder().partNumber(partNo).eTag(etag).build();
    }

    private interface Request<T> {
        T run();
    }

    /** Runs an upload request while holding one of the {@code parallel_uploads} slots. */
    private <T> T withSlot(Request<T> r) throws IOException {
        try {
            uploadSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for an upload slot");
        }
        try {
            return r.run();
        } finally {
            uploadSlots.release();
        }
    }

    private RequestBody body(byte[] data, int off, int len) {
        ContentStreamProvider p = () -> {
            InputStream in = new ByteArrayInputStream(data, off, len);
            return throttle.isPresent() ? throttle.get().wrap(in) : in;
        };
        return RequestBody.fromContentProvider(p, len, "application/octet-stream");
    }

    private void lockHeaders(PutObjectRequest.Builder b) {
        if (cfg.objectLock().isPresent()) {
            b.objectLockMode(cfg.objectLock().get().compliance() ? ObjectLockMode.COMPLIANCE : ObjectLockMode.GOVERNANCE)
                    .objectLockRetainUntilDate(retainUntil());
        }
    }

    private Instant retainUntil() {
        return clock.instant().plus(cfg.objectLock().orElseThrow().retain()).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    private boolean sameBytes(String name, byte[] data) throws IOException {
        try {
            return Arrays.equals(get(name), data);
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    /**
     * Uploads a pack in the background (at most {@code parallel_uploads} at once; the call waits while that many
     * are queued or running). A failure, or the name being taken, is thrown by the next call or {@link #awaitPuts}.
     */
    @Override
    public void putNew(String name, byte[] data) throws IOException {
        BlobStore.checkName(name);
        firstFailure(false);
        try {
            queued.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting to upload " + name);
        }
        try {
            synchronized (pending) {
                pending.put(name, packs.submit(() -> {
                    try {
                        if (!putIfAbsent(name, data)) {
                            throw new FileAlreadyExistsException(loc + ": " + name + " already exists");
                        }
                        return null;
                    } finally {
                        queued.release();
                    }
                }));
            }
        } catch (java.util.concurrent.RejectedExecutionException e) {
            queued.release();
            throw new IOException(loc + ": the store is closed; " + name + " was not uploaded");
        }
    }

    @Override
    public void awaitPuts() throws IOException {
        firstFailure(true);
    }

    @Override
    public void awaitPuts(Collection<String> names) throws IOException {
        firstFailure(false);
        for (String name : names) {
            Future<?> f;
            synchronized (pending) {
                f = pending.get(name);
            }
            if (f != null) {
                await(f);
                synchronized (pending) {
                    pending.remove(name);
                }
            }
        }
    }

    private void firstFailure(boolean wait) throws IOException {
        List<Map.Entry<String, Future<?>>> snapshot;
        synchronized (pending) {
            snapshot = new ArrayList<>(pending.entrySet());
        }
        for (Map.Entry<String, Future<?>> e : snapshot) {
            if (wait || e.getValue().isDone()) {
                await(e.getValue());
                synchronized (pending) {
                    pending.remove(e.getKey());
                }
            }
        }
    }

    private static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted waiting for an upload");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(c);
        }
    }

    @Override
    public byte[] get(String name) throws IOException {
        String key = loc.key(BlobStore.checkName(name));
        try {
            return retrier.call("GET " + name, a -> client.getObjectAsBytes(r -> r.bucket(loc.bucket()).key(key)).asByteArray());
        } catch (Retrier.S3IOException e) {
            throw e.status == 404 ? new NoSuchFileException(loc + ": " + name) : e;
        }
    }

    @Override
    public byte[] getRange(String name, long offset, int length) throws IOException {
        String key = loc.key(BlobStore.checkName(name));
        if (length == 0) {
            return new byte[0];
        }
        byte[] got;
        try {
            got = retrier.call("GET " + name + " [" + offset + ", +" + length + "]", a -> {
                var r = client.getObjectAsBytes(b -> b.bucket(loc.bucket()).key(key).range("bytes=" + offset + "-" + (offset + length - 1)));
                byte[] body = r.asByteArray();
                if (body.length < length && !endsBefore(r.response().contentRange(), offset + length)) {
                    // A connection cut mid-body can come back as a short body without an error: the object is
                    // longer than what arrived (its Content-Range says so), so it is a failure to retry, not damage.
                    throw new java.io.IOException("short response body: " + body.length + " of " + length + " bytes");
                }
                return body;
            });
        } catch (Retrier.S3IOException e) {
            if (e.status == 404) {
                throw new NoSuchFileException(loc + ": " + name);
            }
            if (e.status == 416) {
                throw new EOFException("ends before " + offset);
            }
            throw e;
        }
        if (got.length != length) {
            throw new EOFException("ends at " + (offset + got.length) + " bytes, before " + (offset + length));
        }
        return got;
    }

    /**
     * Whether a {@code Content-Range: bytes FIRST-LAST/TOTAL} says the object ends before {@code end}; an absent or
     * unparsable header (or an unknown total, {@code *}) says nothing, so a short body is then retried.
     */
    static boolean endsBefore(String contentRange, long end) {
        if (contentRange == null) {
            return false;
        }
        int slash = contentRange.lastIndexOf('/');
        try {
            return slash >= 0 && Long.parseLong(contentRange.substring(slash + 1).trim()) < end;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public List<Entry> list(String prefix) throws IOException {
        String keyPrefix = loc.keyPrefix();
        List<Entry> out = new ArrayList<>();
        String token = null;
        do {
            String t = token;
            ListObjectsV2Response page = retrier.call("LIST " + prefix, a -> client.listObjectsV2(ListObjectsV2Request.builder()
                    .bucket(loc.bucket()).prefix(keyPrefix + prefix).continuationToken(t).build()));
            for (S3Object o : page.contents()) {
                if (!o.key().startsWith(keyPrefix)) {
                    continue;
                }
                String name = o.key().substring(keyPrefix.length());
                try {
                    BlobStore.checkName(name);
                } catch (IllegalArgumentException e) {
                    log.debug("{}: ignoring object '{}' (not a repository object name)", loc, name);
                    continue;
                }
                out.add(new Entry(name, o.size()));
            }
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        out.sort(Comparator.comparing(Entry::name));
        return out;
    }

    @Override
    public Optional<Long> stat(String name) throws IOException {
        return head(name).map(HeadObjectResponse::contentLength);
    }

    private Optional<HeadObjectResponse> head(String name) throws IOException {
        String key = loc.key(BlobStore.checkName(name));
        try {
            return Optional.of(retrier.call("HEAD " + name, a -> client.headObject(r -> r.bucket(loc.bucket()).key(key))));
        } catch (Retrier.S3IOException e) {
            if (e.status == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void delete(String name) throws IOException {
        String key = loc.key(BlobStore.checkName(name));
        if (cfg.appendOnly()) {
            throw new IOException(loc + " is append-only (repository.s3.append_only): keepwatch does not delete " + name + " there");
        }
        retrier.call("DELETE " + name, a -> client.deleteObject(r -> r.bucket(loc.bucket()).key(key)));
    }

    @Override
    public boolean appendOnly() {
        return cfg.appendOnly();
    }

    @Override
    public Optional<Instant> retainedUntil(String name) throws IOException {
        if (cfg.objectLock().isEmpty()) {
            return Optional.empty();
        }
        return head(name).map(HeadObjectResponse::objectLockRetainUntilDate);
    }

    /** Checks the bucket is there; makes it (with Object Lock enabled when configured) if it is not. */
    @Override
    public void create() throws IOException {
        try {
            retrier.call("HEAD bucket", a -> client.headBucket(r -> r.bucket(loc.bucket())));
        } catch (Retrier.S3IOException e) {
            if (e.status != 404) {
                throw e;
            }
            boolean lock = cfg.objectLock().isPresent();
            retrier.call("CREATE bucket", a -> client.createBucket(r -> r.bucket(loc.bucket()).objectLockEnabledForBucket(lock ? true : null)));
            log.info("{}: created bucket {}{}", loc, loc.bucket(), lock ? " with Object Lock enabled" : "");
        }
    }

    @Override
    public String describe() {
        return loc.toString();
    }

    @Override
    public void close() throws IOException {
        packs.shutdown();
        parts.shutdown();
        try {
            if (!packs.awaitTermination(cfg.retryFor().toSeconds() + 60, TimeUnit.SECONDS)) {
                packs.shutdownNow();
            }
        } catch (InterruptedException e) {
            packs.shutdownNow();
            Thread.currentThread().interrupt();
        }
        parts.shutdownNow();
        client.close();
    }

    static String md5(byte[] data, int off, int len) {
        try {
            MessageDigest d = MessageDigest.getInstance("MD5");
            d.update(data, off, len);
            return Base64.getEncoder().encodeToString(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has MD5", e);
        }
    }
}
