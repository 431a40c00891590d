package io.keepwatch.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The documentation files the release archives and the .deb ship: every {@code docs/*.md} and {@code *.png}. */
final class Docs {
    private Docs() {
    }

    /** Their paths relative to the repository ({@code docs/x.md}), sorted. */
    static List<String> files() {
        try (Stream<Path> s = Files.list(Path.of("docs"))) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".md") || n.endsWith(".png"))
                    .sorted()
                    .map(n -> "docs/" + n)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
