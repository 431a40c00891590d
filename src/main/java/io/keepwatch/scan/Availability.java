package io.keepwatch.scan;

/** Whether a source can be read now; an unavailable source is never taken as "everything deleted". */
public sealed interface Availability {
    /**
     * @param device the device of the source folder ("" where the platform has none)
     * @param rootKey the identity of the source folder (device and inode, as the file key gives them; "" where
     *     the platform has none): a folder made anew in its place has another one
     */
    record Available(String device, String rootKey) implements Availability {
    }

    record Unavailable(String reason) implements Availability {
    }
}
