package io.keepwatch.config;

/**
 * A whole-number key of config.json and the values it allows, both ends included. Every number keepwatch
 * reads from its config is declared in {@link ConfigKeys} and read through {@link Section#number}, so a value
 * out of range, one too large for any integer type, a fraction, a string, a boolean, a list or null is refused
 * at load (exit 78) with one line naming the key, the value and the range.
 *
 * @param path the key as the user writes it, dotted from the top: {@code watch.queue_capacity}
 */
public record NumberKey(String path, long min, long max) {
    public NumberKey {
        if (min > max) {
            throw new IllegalArgumentException(path + ": min " + min + " > max " + max);
        }
    }

    /** The key's own name within its object: {@code queue_capacity}. */
    public String name() {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /** {@code 1 to 10000000}, as error messages give the range. */
    public String range() {
        return min + " to " + max;
    }
}
