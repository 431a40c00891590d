package io.keepwatch.state;

/**
 * A content hash as {@link LiveTable} stores it: a prefix code and four longs ({@link LiveCodec#encodeHash}), or, for a
 * hash with no such form ({@code code} 0), its text. Looking a hash up in the content index compares these, not text.
 */
record HashKey(int code, String text, long[] words) {
    @Override
    public int hashCode() {
        return code == 0 ? text.hashCode() : hashOf(code, words[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HashKey k && k.code == code && (code == 0 ? k.text.equals(text) : java.util.Arrays.equals(k.words, words));
    }

    /** The hash code of an encoded hash: its first 64 bits are already as random as a digest's bits are. */
    static int hashOf(int code, long firstWord) {
        return (int) (firstWord ^ (firstWord >>> 32)) + code;
    }
}
