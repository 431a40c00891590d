package io.keepwatch.scan;

import io.keepwatch.events.FailureReason;

/**
 * A path a scan could not read (a folder it could not list): nothing at or under it can be said this time.
 *
 * @param rel the path, relative to the source's root (empty for the root)
 * @param line the log line's text: {@code <source>/<rel>: cannot read (<exception>: <reason>)}
 */
public record ScanProblem(String rel, FailureReason reason, String line) {
    @Override
    public String toString() {
        return line;
    }
}
