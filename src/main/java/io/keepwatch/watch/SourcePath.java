package io.keepwatch.watch;

/** A path to look at again: a source name and a {@code /}-separated path relative to its root. */
public record SourcePath(String source, String rel) {
}
