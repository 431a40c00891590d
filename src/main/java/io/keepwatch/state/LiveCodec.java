package io.keepwatch.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

    private final List<String> prefixes = new ArrayList<>();
    private final Map<String, Integer> prefixCodes = new HashMap<>();
    private final List<String> perms = new ArrayList<>();
    private final Map<String, Integer> permsCodes = new HashMap<>();
    /** The prefix last encoded: nearly every hash of a state has the same. */
    private String lastPrefix;
    private int lastPrefixCode;

    /**
     * Encodes a content hash into {@code words[off..off+3]}; returns its prefix code (1..126), or 0 if it is kept as
     * text ({@code words} then unchanged).
     */
    int encodeHash(String hash, long[] words, int off) {
        int colon = hash.indexOf(':');
        if (colon <= 0 || hash.length() != colon + 1 + HEX) {
            return 0;
        }
        long[] w = new long[4];
        for (int k = 0; k < 4; k++) {
            long v = 0;
            for (int i = 0; i < 16; i++) {
                int d = hexDigit(hash.charAt(colon + 1 + k * 16 + i));
                if (d < 0) {
                    return 0;
                }
                v = v << 4 | d;
            }
            w[k] = v;
        }
        int code;
        if (lastPrefix != null && lastPrefix.length() == colon + 1 && hash.startsWith(lastPrefix)) {
            code = lastPrefixCode;
        } else {
            code = code(prefixes, prefixCodes, hash.substring(0, colon + 1));
            if (code != 0) {
                lastPrefix = prefixes.get(code - 1);
                lastPrefixCode = code;
            }
        }
        if (code != 0) {
            System.arraycopy(w, 0, words, off, 4);
        }
        return code;
    }

    /** The hash that {@link #encodeHash} encoded as {@code code} and {@code words[off..off+3]}. */
    String decodeHash(int code, long[] words, int off) {
        String prefix = prefixes.get(code - 1);
        char[] out = new char[prefix.length() + HEX];
        prefix.getChars(0, prefix.length(), out, 0);
        int p = prefix.length();
        for (int k = 0; k < 4; k++) {
            long v = words[off + k];
            for (int shift = 60; shift >= 0; shift -= 4) {
                out[p++] = Character.forDigit((int) (v >>> shift) & 15, 16);
            }
        }
        return new String(out);
    }

    /** The code of a perms string (1..126), or 0 when the table is full (it is then kept as text). */
    int encodePerms(String p) {
        return code(perms, permsCodes, p);
    }

    String decodePerms(int code) {
        return perms.get(code - 1);
    }

    private static int code(List<String> values, Map<String, Integer> codes, String value) {
        Integer c = codes.get(value);
        if (c != null) {
            return c;
        }
        if (values.size() == MAX_CODES) {
            return 0;
        }
        values.add(value);
        codes.put(value, values.size());
        return values.size();
    }

    /** Lower-case hex only: upper case would not read back as written. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /**
     * Reads a Unix file key as the JDK writes it, {@code (dev=fe00,ino=123)}, into {@code out[off]} (device) and
     * {@code out[off+1]} (inode); false, with {@code out} unchanged, for anything that would not read back exactly
     * (upper-case hex, leading zeros, a '+'). Parsed by hand: state.json's loader calls it for every file.
     */
    static boolean encodeInode(String key, long[] out, int off) {
        int n = key.length();
        if (n < 13 || !key.startsWith("(dev=") || key.charAt(n - 1) != ')') {
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
        if (i == 5 || !key.startsWith(",ino=", i)) {
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
}
