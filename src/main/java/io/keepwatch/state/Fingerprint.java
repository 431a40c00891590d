package io.keepwatch.state;

/**
 * The fingerprint of a set of files with the metadata a pass compares (path, size, mtime, inode, permission
 * bits): how many there are, and the sum of a 128-bit hash of each file's entry, as two 64-bit numbers each
 * added modulo 2<sup>64</sup>. A sum does not depend on order, so the threads of a scan each add the files they
 * list and their sums are added at the end, with no sorting; the state's live files give the same value.
 *
 * <p>The hash is MurmurHash3's 128-bit mixing over the entry's fields, each field length-prefixed (so no two
 * entries encode alike). It is not a cryptographic hash, and need not be: the fingerprint catches changes of
 * metadata made by people and programs (a rename, a new mtime, a new size), which have no reason to cancel out
 * in 128 bits, and nobody can steer one, since inode and mtime are the system's to choose. It was SHA-256
 * until it was measured: in a fresh JVM SHA-256 runs without its CPU instructions until the JIT's last tier
 * compiles it, and cost a no-change pass over 200,000 files about 150 ms; this costs a few.
 */
public record Fingerprint(int count, long a, long b) {
    /** The fingerprint of no files. */
    public static final Fingerprint EMPTY = new Fingerprint(0, 0, 0);

    // Written out, as in MetadataIndex.StateFileStamp: no invokedynamic bootstrap for the one comparison of a pass.
    @Override
    public boolean equals(Object o) {
        return o instanceof Fingerprint f && f.count == count && f.a == a && f.b == b;
    }

    @Override
    public int hashCode() {
        return (int) (a ^ (a >>> 32) ^ b ^ (b >>> 32)) * 31 + count;
    }

    /** The fingerprint of the files of both (two disjoint sets: two threads' shares of one scan). */
    public Fingerprint plus(Fingerprint other) {
        return new Fingerprint(count + other.count, a + other.a, b + other.b);
    }

    /** Takes the fingerprinted fields of one file at a time. */
    public interface Sink {
        void accept(String rel, long size, long mtime, String inode, String perms);
    }

    /** Adds files one at a time; not thread-safe (each scanning thread has its own, see {@link #plus}). */
    public static final class Builder {
        private static final long C1 = 0x87c37b91114253d5L;
        private static final long C2 = 0x4cf5ad432745937fL;
        private int count;
        private long sumA;
        private long sumB;
        // The hash of the entry being added: MurmurHash3 x64 128 over 64-bit words, two words a block.
        private long h1;
        private long h2;
        private long pending;
        private boolean hasPending;
        private long words;

        /**
         * Adds an empty folder: as an entry no file can be (its path ends in {@code /}, its size is -1), so a
         * folder made empty or filled changes the fingerprint.
         */
        public Builder addEmptyFolder(String rel, String perms) {
            return add(rel + "/", -1, 0, "", perms);
        }

        public Builder add(String rel, long size, long mtime, String inode, String perms) {
            h1 = 0x9368e53c2f6af274L;
            h2 = 0x586dcd208f7cd3fdL;
            hasPending = false;
            words = 0;
            text(rel);
            word(size);
            word(mtime);
            text(inode);
            text(perms);
            if (hasPending) {
                block(pending, 0);
            }
            h1 ^= words;
            h2 ^= words;
            h1 += h2;
            h2 += h1;
            h1 = fmix64(h1);
            h2 = fmix64(h2);
            h1 += h2;
            h2 += h1;
            sumA += h1;
            sumB += h2;
            count++;
            return this;
        }

        /**
         * The hash of the entry last {@link #add}ed: what it added to the two sums. A scan keeps it beside the file
         * ({@code scan.FileColumns}), so the fingerprint of any part of the scan is a sum, with no hashing again.
         */
        public long entryA() {
            return h1;
        }

        /** The second half of {@link #entryA}. */
        public long entryB() {
            return h2;
        }

        /** Adds an entry already hashed ({@link #entryA}, {@link #entryB} of an {@link #add} of it). */
        public Builder addHashed(long a, long b) {
            sumA += a;
            sumB += b;
            count++;
            return this;
        }

        /** What was added so far; the builder can go on. */
        public Fingerprint build() {
            return new Fingerprint(count, sumA, sumB);
        }

        /** A string: its length, then its chars four to a word. */
        private void text(String s) {
            int n = s.length();
            word(n);
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                word((long) s.charAt(i) << 48 | (long) s.charAt(i + 1) << 32 | (long) s.charAt(i + 2) << 16 | s.charAt(i + 3));
            }
            if (i < n) {
                long w = 0;
                for (int shift = 48; i < n; i++, shift -= 16) {
                    w |= (long) s.charAt(i) << shift;
                }
                word(w);
            }
        }

        private void word(long w) {
            words++;
            if (hasPending) {
                hasPending = false;
                block(pending, w);
            } else {
                pending = w;
                hasPending = true;
            }
        }

        private void block(long k1, long k2) {
            k1 *= C1;
            k1 = Long.rotateLeft(k1, 31);
            k1 *= C2;
            h1 ^= k1;
            h1 = Long.rotateLeft(h1, 27);
            h1 += h2;
            h1 = h1 * 5 + 0x52dce729;
            k2 *= C2;
            k2 = Long.rotateLeft(k2, 33);
            k2 *= C1;
            h2 ^= k2;
            h2 = Long.rotateLeft(h2, 31);
            h2 += h1;
            h2 = h2 * 5 + 0x38495ab5;
        }

        private static long fmix64(long k) {
            k ^= k >>> 33;
            k *= 0xff51afd7ed558ccdL;
            k ^= k >>> 33;
            k *= 0xc4ceb9fe1a85ec53L;
            k ^= k >>> 33;
            return k;
        }
    }
}
