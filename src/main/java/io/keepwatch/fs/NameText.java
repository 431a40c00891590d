package io.keepwatch.fs;

/**
 * How a file name (or any text holding one) is shown: in every log line and every CLI output line. A name
 * may hold any byte but NUL and {@code /}: a newline in it must not start a line of its own (a file name
 * could forge log lines), and a byte that is not UTF-8 (kept as a lone surrogate, see {@link FileNames}) must
 * not become a {@code ?}. Control characters become {@code \n}, {@code \r}, {@code \t} or {@code \xNN};
 * escaped bytes {@code \xNN}; other lone surrogates, C1 controls and the Unicode line and paragraph separators
 * {@code \\uNNNN}. Where {@code /} separates folders (Linux, macOS) a backslash is an ordinary character of a
 * name and is shown as {@code \\}, so the escapes cannot be faked; on Windows it is the separator, and no name
 * holds a control character, so it stays as it is.
 */
public final class NameText {
    private NameText() {
    }

    private static final boolean ESCAPE_BACKSLASH = java.io.File.separatorChar == '/';

    /** {@code text} as it is shown; the same String when nothing in it needs escaping. */
    public static String escape(String text) {
        return escape(text, ESCAPE_BACKSLASH);
    }

    static String escape(String text, boolean escapeBackslash) {
        if (text == null) {
            return null;
        }
        int n = text.length();
        int i = 0;
        while (i < n && !needsEscape(text, i, escapeBackslash)) {
            i++;
        }
        if (i == n) {
            return text;
        }
        StringBuilder sb = new StringBuilder(n + 16).append(text, 0, i);
        for (; i < n; i++) {
            char c = text.charAt(i);
            if (!needsEscape(text, i, escapeBackslash)) {
                sb.append(c);
                if (Character.isHighSurrogate(c)) {
                    sb.append(text.charAt(++i)); // a whole pair (needsEscape said so)
                }
            } else if (c == '\\') {
                sb.append("\\\\");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c == 0x7f) {
                hex(sb.append("\\x"), c, 2);
            } else if (c >= 0xDC80 && c <= 0xDCFF) {
                hex(sb.append("\\x"), c & 0xFF, 2); // a byte that is not UTF-8 (FileNames' escape)
            } else {
                hex(sb.append("\\u"), c, 4);
            }
        }
        return sb.toString();
    }

    /**
     * JSON text (as Jackson writes it into a String) with each lone surrogate written as its {@code \\uNNNN} escape:
     * inside a JSON string that is the same character, and as bytes it would become a {@code ?}. Jackson already
     * escapes control characters. For JSON written to a terminal or a file from a String.
     */
    public static String json(String json) {
        StringBuilder sb = null;
        for (int i = 0, n = json.length(); i < n; i++) {
            char c = json.charAt(i);
            boolean lone = Character.isHighSurrogate(c) ? i + 1 >= n || !Character.isLowSurrogate(json.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(json.charAt(i - 1)));
            if (lone && sb == null) {
                sb = new StringBuilder(n + 16).append(json, 0, i);
            }
            if (lone) {
                hex(sb.append("\\u"), c, 4);
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? json : sb.toString();
    }

    private static boolean needsEscape(String s, int i, boolean escapeBackslash) {
        char c = s.charAt(i);
        if (c >= 0x20 && c < 0x7f) {
            return c == '\\' && escapeBackslash;
        }
        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
            return true;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }

    private static void hex(StringBuilder sb, int v, int digits) {
        String h = Integer.toHexString(v);
        for (int k = h.length(); k < digits; k++) {
            sb.append('0');
        }
        sb.append(h);
    }
}
