/**
 * The repository on S3-compatible object storage (AWS S3, MinIO, Ceph RGW, Backblaze B2, Wasabi, R2, Garage):
 * a {@link io.keepwatch.repo.BlobStore} over the S3 API with the AWS SDK v2 and the JDK's HttpURLConnection.
 * Owns the {@code s3:} URL, the client and its credentials (never logged), conditional writes, multipart
 * uploads with Content-MD5, retries with backoff and jitter, parallel uploads and the bandwidth limit,
 * append-only mode and Object Lock retention; and {@link io.keepwatch.s3.Stores}, which opens the store a
 * repository URL names (a folder or a bucket). The repository format is the same as in a folder.
 */
package io.keepwatch.s3;
