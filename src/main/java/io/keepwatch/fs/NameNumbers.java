package io.keepwatch.fs;

import java.util.OptionalLong;

/**
 * The numbers keepwatch writes into names in the backup root (journal batches {@code 7.json}, versions
 * {@code v7.bak}, the lock's PID): read back only in the one spelling keepwatch writes, since the backup root is
 * untrusted input. {@code Long.parseLong} alone would take {@code +7}, {@code 007}, {@code -7} and digits of other
 * scripts ({@code ٧}, {@code ７}) as numbers, and throw on an overflowing one.
 */
public final class NameNumbers {
    private NameNumbers() {
    }

    /**
     * The value of {@code text} when it is a number from 1 to {@code max} as keepwatch writes it: ASCII digits only,
     * no sign, no leading zero; empty otherwise.
     */
    public static OptionalLong positive(String text, long max) {
        int n = text.length();
        if (n == 0 || n > 19 || text.charAt(0) == '0') {
            return OptionalLong.empty();
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return OptionalLong.empty();
            }
            int d = c - '0';
            if (v > (max - d) / 10) {
                return OptionalLong.empty();
            }
            v = v * 10 + d;
        }
        return OptionalLong.of(v);
    }

    /** Why {@code text} is not such a number, for an error message (call only when {@link #positive} is empty). */
    public static String whyNot(String text, long max) {
        if (text.isEmpty()) {
            return "no number";
        }
        if (!text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "'" + NameText.escape(text) + "' is not a number in ASCII digits";
        }
        if (text.charAt(0) == '0') {
            return "'" + text + "' is zero or has a leading zero";
        }
        return text + " is larger than " + max;
    }
}
