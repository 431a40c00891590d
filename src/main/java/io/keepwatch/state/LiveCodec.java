package io.keepwatch.state;

import java.util.HashMap;
import java.util.Map;

/**
 * How {@link LiveTable} stores the text fields of a live file as numbers, and back: a content hash
 * {@code <algorithm>:<64 hex digits>} as a prefix number and four longs, a file key {@code (dev=<hex>,ino=<decimal>)}
 * as two longs, a perms string as a number into a table. A value that does not read back exactly as it was written
 * (upper-case hex, another digest length, another file key form) is not encoded: the table keeps it as text. One
 * instance is shared by all the sources of a state, so that the numbers mean the same in every source (the
 * content-hash index compares hashes across sources by their numbers). Its tables only grow, and are small: one
 * entry per hash algorithm and per distinct perms string, at most {@link #MAX_CODES} of each.
 */
final class LiveCodec {
    /** Codes are stored in a byte, 0 meaning "kept as text": 1..126 name an entry. */
    static final int MAX_CODES = 126;
    /** Hex digits of the digests stored as numbers (SHA-256, SHA3-256): four longs. */
    static final int HEX = 64;

    /**
     * Code - 1 to value. Replaced, never changed, when a value is added: a snapshot's copy of a table is read on the
     * saving thread while the engine thread encodes new values (encoding is for the engine thread only).
     */
    private volatile String[] prefixes = new String[0];
    private final Map<String, Integer> prefixCodes = new HashMap<>();
    private volatile String[] perms = new String[0];
    private final Map<String, Integer> permsCodes = new HashMap<>();
    /** The perms string last encoded, as state.json's reader gives it (one shared string per distinct value). */
    private String lastPerms;
    private int lastPermsCode;
    /** The prefix last encoded: nearly every hash of a state has the same. */
    private String lastPrefix;
    private int lastPrefixCode;

    /**
     * Encodes a content hash into {@code words[off..off+3]}; returns its prefix code (1..126), or 0 if it is kept as
     * text ({@code words} then unchanged).
     */
    int encodeHash(String hash, long[] words, int off) {
        return encodeHash(hash.toCharArray(), 0, hash.length(), words, off);
    }

    /** {@link #encodeHash(String, long[], int)} of {@code b[from, from + n)}: state.json's reader passes the parser's characters. */
    int encodeHash(char[] b, int from, int n, long[] words, int off) {
        int colon = from + n - HEX - 1;
        if (colon <= from || b[colon] != ':') {
            return 0;
        }
        long w0 = 0;
        long w1 = 0;
        long w2 = 0;
        long w3 = 0;
        int bad = 0;
        for (int i = 0; i < 16; i++) {
            int p = colon + 1 + i;
            int d0 = hexDigit(b[p]);
            int d1 = hexDigit(b[p + 16]);
            int d2 = hexDigit(b[p + 32]);
            int d3 = hexDigit(b[p + 48]);
            bad |= d0 | d1 | d2 | d3;
            w0 = w0 << 4 | d0;
            w1 = w1 << 4 | d1;
            w2 = w2 << 4 | d2;
            w3 = w3 << 4 | d3;
        }
        if (bad < 0) {
            return 0;
        }
        int plen = colon + 1 - from;
        int code;
        if (lastPrefix != null && lastPrefix.length() == plen && regionEquals(b, from, lastPrefix)) {
            code = lastPrefixCode;
        } else {
            String prefix = new String(b, from, plen);
            if (prefix.indexOf(':') != plen - 1 || !prefix.chars().allMatch(c -> c < 128)) {
                return 0; // decodeHash writes prefixes as ASCII bytes
            }
            code = code(true, prefix);
            if (code != 0) {
                lastPrefix = prefixes[code - 1];
                lastPrefixCode = code;
            }
        }
        if (code != 0) {
            words[off] = w0;
            words[off + 1] = w1;
            words[off + 2] = w2;
            words[off + 3] = w3;
        }
        return code;
    }

    private static boolean regionEquals(char[] b, int from, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (b[from + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(CharSequence s, int at, String prefix) {
        if (at + prefix.length() > s.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (s.charAt(at + i) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The hash that {@link #encodeHash} encoded as {@code code} and {@code words[off..off+3]}. */
    String decodeHash(int code, long[] words, int off) {
        // bytes, as a Latin-1 string holds them (prefixes are ASCII): a full pass makes one for every file it matches
        String prefix = prefixes[code - 1];
        int p = prefix.length();
        byte[] out = new byte[p + HEX];
        for (int i = 0; i < p; i++) {
            out[i] = (byte) prefix.charAt(i);
        }
        for (int k = 0; k < 4; k++) {
            long v = words[off + k];
            for (int i = p + 15; i >= p; i--) {
                out[i] = HEX_DIGITS[(int) v & 15];
                v >>>= 4;
            }
            p += 16;
        }
        return new String(out, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** The code of a perms string (1..126), or 0 when the table is full (it is then kept as text). */
    int encodePerms(String p) {
        if (p == lastPerms) {
            return lastPermsCode;
        }
        int code = code(false, p);
        lastPerms = p;
        lastPermsCode = code;
        return code;
    }

    /** The code a perms string already has (1..126), or 0 when it has none; adds no code. */
    int codeOfPerms(String p) {
        if (p == lastPerms) {
            return lastPermsCode;
        }
        Integer c = permsCodes.get(p);
        return c == null ? 0 : c;
    }

    String decodePerms(int code) {
        return perms[code - 1];
    }

    private int code(boolean prefix, String value) {
        Map<String, Integer> codes = prefix ? prefixCodes : permsCodes;
        Integer c = codes.get(value);
        if (c != null) {
            return c;
        }
        String[] values = prefix ? prefixes : perms;
        if (values.length == MAX_CODES) {
            return 0;
        }
        values = java.util.Arrays.copyOf(values, values.length + 1);
        values[values.length - 1] = value;
        codes.put(value, values.length);
        if (prefix) {
            prefixes = values;
        } else {
            perms = values;
        }
        return values.length;
    }

    /** Lower-case hex only (upper case would not read back as written); negative for anything else. */
    private static int hexDigit(char c) {
        return c < 128 ? HEX_VALUE[c] : -1;
    }

    private static final byte[] HEX_VALUE = new byte[128];

    static {
        java.util.Arrays.fill(HEX_VALUE, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            HEX_VALUE[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            HEX_VALUE[c] = (byte) (c - 'a' + 10);
        }
    }

    /**
     * Reads a Unix file key as the JDK writes it, {@code (dev=fe00,ino=123)}, into {@code out[off]} (device) and
     * {@code out[off+1]} (inode); false, with {@code out} unchanged, for anything that would not read back exactly
     * (upper-case hex, leading zeros, a '+'). Parsed by hand: state.json's loader calls it for every file.
     */
    static boolean encodeInode(CharSequence key, long[] out, int off) {
        int n = key.length();
        if (n < 13 || !startsWith(key, 0, "(dev=") || key.charAt(n - 1) != ')') {
            return false;
        }
        long dev = 0;
        int i = 5;
        for (; i < n && key.charAt(i) != ','; i++) {
            int d = hexDigit(key.charAt(i));
            if (d < 0 || i - 5 == 16 || (i > 5 && dev == 0)) {
                return false; // not hex, more than 64 bits, or a leading zero
            }
            dev = dev << 4 | d;
        }
        if (i == 5 || !startsWith(key, i, ",ino=")) {
            return false;
        }
        i += 5;
        boolean negative = i < n - 1 && key.charAt(i) == '-';
        if (negative) {
            i++;
        }
        int first = i;
        long ino = 0;
        for (; i < n - 1; i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9' || (i > first && ino == 0)) {
                return false;
            }
            // in negative numbers, so that Long.MIN_VALUE fits
            if (ino < (Long.MIN_VALUE + (c - '0')) / 10) {
                return false;
            }
            ino = ino * 10 - (c - '0');
        }
        if (i == first || (negative && ino == 0) || (!negative && ino == Long.MIN_VALUE)) {
            return false;
        }
        out[off] = dev;
        out[off + 1] = negative ? ino : -ino;
        return true;
    }

    static String decodeInode(long dev, long ino) {
        return "(dev=" + Long.toHexString(dev) + ",ino=" + ino + ")";
    }

    /** Characters of a buffer as a {@link CharSequence}, reused: state.json's reader passes the parser's own. */
    static final class Chars implements CharSequence {
        private char[] buf;
        private int off;
        private int len;

        Chars set(char[] buf, int off, int len) {
            this.buf = buf;
            this.off = off;
            this.len = len;
            return this;
        }

        @Override
        public int length() {
            return len;
        }

        @Override
        public char charAt(int i) {
            if (i >= len) {
                throw new IndexOutOfBoundsException(i);
            }
            return buf[off + i];
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new String(buf, off + start, end - start);
        }

        @Override
        public String toString() {
            return new String(buf, off, len);
        }
    }
}
