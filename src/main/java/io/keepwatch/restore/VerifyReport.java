package io.keepwatch.restore;

import java.util.List;

/**
 * What {@code verify} found.
 *
 * @param checked backup files read and hashed (including ones that turned out corrupt)
 * @param bytes bytes read
 * @param problems every file that does not match, sorted by path
 */
public record VerifyReport(int checked, long bytes, List<Problem> problems) {
    public VerifyReport {
        problems = List.copyOf(problems);
    }

    /** How a file in the backup root differs from what state.json says. */
    public enum Kind {
        /** state.json says the backup holds it; it is not there (or is not a regular file). */
        MISSING,
        /** its content does not hash to what state.json records. */
        CORRUPTED,
        /** a file in the backup root's areas that state.json does not know. */
        UNEXPECTED,
        /** it could not be read, or its state.json entry cannot be used (an unsafe path, an unknown hash). */
        ERROR
    }

    /**
     * @param path the file relative to the backup root ({@code /}-separated), or the state entry
     * @param what which content of which path it should hold, e.g. {@code version 3 of docs/a.txt}; empty for
     *     an unexpected file
     */
    public record Problem(Kind kind, String path, String what, String detail) {
        @Override
        public String toString() {
            return kind + " " + path + (what.isEmpty() ? "" : " (" + what + ")") + (detail.isEmpty() ? "" : ": " + detail);
        }
    }

    public long count(Kind kind) {
        return problems.stream().filter(p -> p.kind() == kind).count();
    }

    public boolean intact() {
        return problems.isEmpty();
    }
}
