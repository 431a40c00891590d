package io.keepwatch.s3;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3 server for tests: S3Proxy in this JVM, filesystem backend in {@code dir}, on a free port of the loopback,
 * with one access key and one bucket. Its threads are not daemons: close it (each test class does, after all).
 */
public final class S3ProxyServer implements AutoCloseable {
    public static final String ACCESS_KEY = "keepwatch-test-access";
    public static final String SECRET_KEY = "Sup3r-s3cret-k3y-that-must-never-be-logged";

    private final S3Proxy proxy;
    private final BlobStore store;

    public S3ProxyServer(Path dir, String... buckets) throws Exception {
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("jclouds.filesystem.basedir", dir.toString());
        store = BlobStores.create("filesystem", p);
        for (String b : buckets) {
            store.createContainer(b);
        }
        proxy = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
    }

    public int port() {
        return proxy.getPort();
    }

    /** {@code s3:http://127.0.0.1:PORT/bucket/prefix} */
    public String url(String bucketAndPrefix) {
        return "s3:http://127.0.0.1:" + port() + "/" + bucketAndPrefix;
    }

    /** An AWS-style credentials file with the server's key, for {@code repository.s3.credentials_file}. */
    public static Path credentialsFile(Path file) throws java.io.IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "[default]\naws_access_key_id = " + ACCESS_KEY + "\naws_secret_access_key = " + SECRET_KEY + "\n");
        return file;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        store.close();
    }
}
