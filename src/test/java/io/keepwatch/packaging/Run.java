package io.keepwatch.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command as a separate process, the way a user or a service manager would, and keeps what it printed. */
final class Run {
    /** A bound on a hung process only; no test depends on how long anything takes. */
    private static final long LIMIT_MINUTES = 5;

    final int exit;
    final String out;
    final String err;
    final List<String> command;

    private Run(List<String> command, int exit, String out, String err) {
        this.command = command;
        this.exit = exit;
        this.out = out;
        this.err = err;
    }

    /** Runs {@code command} in {@code dir}; {@code env} entries with a null value are removed from the environment. */
    static Run of(Path dir, Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = builder(dir, env, command);
        Path outFile = Files.createTempFile("keepwatch-it", ".out");
        Path errFile = Files.createTempFile("keepwatch-it", ".err");
        try {
            pb.redirectOutput(outFile.toFile()).redirectError(errFile.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE);
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(LIMIT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(String.join(" ", command) + " did not end within " + LIMIT_MINUTES + " minutes");
            }
            return new Run(List.copyOf(new ArrayList<>(List.of(command))), p.exitValue(),
                    Files.readString(outFile, StandardCharsets.UTF_8), Files.readString(errFile, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(outFile);
            Files.deleteIfExists(errFile);
        }
    }

    static Run of(Path dir, String... command) throws IOException, InterruptedException {
        return of(dir, Map.of(), command);
    }

    /**
     * Starts {@code command} in {@code dir} in the background, in the same clean environment as {@link #of}, with
     * stdout and stderr going to {@code out} and {@code err}; the caller stops it.
     */
    static Process start(Path dir, Path out, Path err, String... command) throws IOException {
        Process p = builder(dir, Map.of(), command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        return p;
    }

    private static ProcessBuilder builder(Path dir, Map<String, String> env, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        // Settings of the machine running the tests must not leak into what is tested.
        for (String name : List.of("JAVA_HOME", "JAVA_OPTS", "KEEPWATCH_OPTS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
                "JDK_JAVA_OPTIONS", "KEEPWATCH_CONFIG", "JOURNAL_STREAM", "INVOCATION_ID")) {
            pb.environment().remove(name);
        }
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        return pb;
    }

    /** For assertion messages: what ran and everything it printed. */
    String describe() {
        return String.join(" ", command) + " exited " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }

    /** The last non-empty line on stderr. */
    String lastErrLine() {
        String[] lines = err.strip().split("\n");
        return lines[lines.length - 1];
    }
}
