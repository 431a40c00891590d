package io.keepwatch.s3;

import io.keepwatch.config.S3Config;
import io.keepwatch.repo.BlobStore;
import io.keepwatch.repo.LocalStore;
import io.keepwatch.repo.RepoException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** Opens the store a repository URL names: an {@code s3:} URL is a bucket ({@link S3Store}), anything else a folder. */
public final class Stores {
    private Stores() {
    }

    public static BlobStore open(String url, S3Config s3) throws RepoException {
        return open(url, s3, false);
    }

    /**
     * {@link #open(String, S3Config)}; with {@code quietRetries} an S3 store logs its retries at DEBUG only (for the
     * service's replication while the remote is known to be unavailable: it said so once).
     */
    public static BlobStore open(String url, S3Config s3, boolean quietRetries) throws RepoException {
        if (!S3Location.isS3(url)) {
            return new LocalStore(Paths.get(url));
        }
        S3Location loc;
        try {
            loc = S3Location.parse(url);
        } catch (IllegalArgumentException e) {
            throw new RepoException(e.getMessage());
        }
        return new S3Store(client(loc, s3), loc, s3, Clock.systemUTC(), quietRetries);
    }

    /**
     * The SDK client: HttpURLConnection, no retries of its own (the store's {@link Retrier} does them), checksums
     * only where an operation requires one unless configured otherwise, path style unless the endpoint is AWS.
     */
    static S3Client client(S3Location loc, S3Config s3) throws RepoException {
        RequestChecksumCalculation req = s3.checksumWhenSupported() ? RequestChecksumCalculation.WHEN_SUPPORTED
                : RequestChecksumCalculation.WHEN_REQUIRED;
        ResponseChecksumValidation resp = s3.checksumWhenSupported() ? ResponseChecksumValidation.WHEN_SUPPORTED
                : ResponseChecksumValidation.WHEN_REQUIRED;
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)).build())
                .endpointOverride(loc.endpoint())
                .region(Region.of(s3.region()))
                .forcePathStyle(s3.pathStyle().orElse(!loc.isAws()))
                .credentialsProvider(credentials(s3))
                .requestChecksumCalculation(req)
                .responseChecksumValidation(resp)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /**
     * Where the access key comes from: the credentials file named in the config (its {@code profile}, else
     * {@code default}), else the profile named in the config from the AWS profile files, else the SDK's default
     * chain (the environment's {@code AWS_ACCESS_KEY_ID} and {@code AWS_SECRET_ACCESS_KEY}, then
     * {@code ~/.aws/credentials} and {@code ~/.aws/config}, then the machine's role). The secret is read by the
     * SDK and never passes through keepwatch's messages.
     */
    static AwsCredentialsProvider credentials(S3Config s3) throws RepoException {
        if (s3.credentialsFile().isPresent()) {
            Path file = s3.credentialsFile().get();
            if (!Files.isRegularFile(file)) {
                throw new RepoException("the credentials file " + file + " (repository.s3.credentials_file) does not exist");
            }
            ProfileFile profiles = ProfileFile.builder().content(file).type(ProfileFile.Type.CREDENTIALS).build();
            String profile = s3.profile().orElse("default");
            if (profiles.profile(profile).isEmpty()) {
                throw new RepoException("the credentials file " + file + " has no [" + profile + "] profile");
            }
            return ProfileCredentialsProvider.builder().profileFile(profiles).profileName(profile).build();
        }
        if (s3.profile().isPresent()) {
            return ProfileCredentialsProvider.builder().profileName(s3.profile().get()).build();
        }
        return DefaultCredentialsProvider.builder().build();
    }
}
