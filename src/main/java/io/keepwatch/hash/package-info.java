/**
 * Content hashing. Owns the list of supported algorithms, the stored hash format ({@code sha256:<hex>}),
 * and the one place that reads a source file's bytes: {@link io.keepwatch.hash.HashingCopier} copies a file
 * into a temp file inside the backup root while hashing it (large files by the kernel, hashed back from the
 * copy), so a source is read exactly once, and checks that the file did not change under it. {@link io.keepwatch.hash.SparseWriter} leaves blocks of zeros as
 * holes, in that copy and in a file {@code keepwatch restore} writes. {@link io.keepwatch.hash.DigestEngine} says who
 * computes the copier's hashes: OpenSSL 3's libcrypto where it loads ({@link io.keepwatch.hash.OpenSslDigests}), else
 * the JDK; the same digests either way. Everything here reads through the
 * {@link io.keepwatch.fs.Fs} seam.
 */
package io.keepwatch.hash;
