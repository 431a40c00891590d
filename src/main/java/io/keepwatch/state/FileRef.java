package io.keepwatch.state;

/** A path inside a source: the source's name and the path relative to its root, with {@code /} separators. */
public record FileRef(String source, String rel) implements Comparable<FileRef> {
    @Override
    public String toString() {
        return source + "/" + rel;
    }

    public static FileRef parse(String sourceSlashRel) {
        int slash = sourceSlashRel.indexOf('/');
        if (slash <= 0 || slash == sourceSlashRel.length() - 1) {
            throw new IllegalArgumentException("'" + sourceSlashRel + "' is not <source>/<path>");
        }
        return new FileRef(sourceSlashRel.substring(0, slash), sourceSlashRel.substring(slash + 1));
    }

    @Override
    public int compareTo(FileRef o) {
        int c = source.compareTo(o.source);
        return c != 0 ? c : rel.compareTo(o.rel);
    }
}
