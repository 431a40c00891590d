/**
 * The encrypted, deduplicated repository: a second copy of the backup on another disk (later, object storage).
 * Owns the blob store interface and its folder implementation, key files and the keys derived from the master
 * key, sealing (AES-256-GCM), content-defined chunking, packs and their index, the tree and snapshot objects,
 * and the operations on them: push (the backup's state into a snapshot), restore from a snapshot, check, and
 * locks. Reads the local backup only through {@code state} and {@code restore}'s public types. The format is
 * documented in docs/repository.md.
 */
package io.keepwatch.repo;
