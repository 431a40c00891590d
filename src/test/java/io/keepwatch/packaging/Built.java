package io.keepwatch.packaging;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where `mvn package` put the release files (failsafe passes the folder and the version). */
final class Built {
    static final String VERSION = require("keepwatch.version");
    static final Path TARGET = Path.of(require("keepwatch.target"));
    static final Path TAR_GZ = TARGET.resolve("keepwatch-" + VERSION + ".tar.gz");
    static final Path ZIP = TARGET.resolve("keepwatch-" + VERSION + ".zip");
    static final Path DEB = TARGET.resolve("keepwatch_" + VERSION + "_all.deb");
    /** The folder at the top of both archives. */
    static final String TOP = "keepwatch-" + VERSION;

    private Built() {
    }

    private static String require(String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException("system property " + property + " is not set: run the *IT tests with"
                    + " `mvn verify` (maven-failsafe-plugin passes it)");
        }
        return v;
    }

    static Path existing(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " does not exist: `mvn package` builds it");
        }
        return file;
    }
}
