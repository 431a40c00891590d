package io.keepwatch.repo;

import java.util.HexFormat;

/** Lower-case hex, and its strict parsing (names and ids read from a repository are untrusted). */
final class Hex {
    private static final HexFormat HEX = HexFormat.of();

    private Hex() {
    }

    static String of(byte[] b) {
        return HEX.formatHex(b);
    }

    static byte[] parse(String s, int bytes, String what) throws RepoException {
        if (s == null || s.length() != bytes * 2) {
            throw new RepoException(what + ": '" + s + "' is not " + bytes * 2 + " hex digits");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                throw new RepoException(what + ": '" + s + "' is not lower-case hex");
            }
        }
        return bytes(s);
    }

    /** The bytes of lower-case hex that is known to be well formed (an id this process made or {@link #parse}d). */
    static byte[] bytes(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (digit(s.charAt(2 * i)) << 4 | digit(s.charAt(2 * i + 1)));
        }
        return out;
    }

    private static int digit(char c) {
        return c <= '9' ? c - '0' : c - 'a' + 10;
    }
}
