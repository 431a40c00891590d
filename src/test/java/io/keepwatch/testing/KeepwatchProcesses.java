package io.keepwatch.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * keepwatch as separate processes from the fat jar ({@code target/keepwatch.jar}, built by {@code package};
 * maven-failsafe runs the ITs that use this in {@code verify}), all in one working folder, as a user runs it. Each
 * process has a name; its output goes to {@code NAME.out} and {@code NAME.err} in that folder. {@link #close}
 * kills (SIGKILL) whatever still runs.
 */
public final class KeepwatchProcesses implements AutoCloseable {
    private final Path dir;
    private final Duration deadline;
    private final List<Process> started = new CopyOnWriteArrayList<>();

    /**
     * @param dir the working folder of every process
     * @param deadline how long {@link #run} waits for a command, and {@link #killWhen} for its condition (a bound on a
     *     hung process only)
     */
    public KeepwatchProcesses(Path dir, Duration deadline) {
        this.dir = dir;
        this.deadline = deadline;
    }

    public static Path jar() {
        Path jar = Paths.get("target", "keepwatch.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run `mvn package` (or `mvn verify`) first");
        return jar;
    }

    /** The command line that runs the jar: {@code java -D... -jar keepwatch.jar}, to add arguments to. */
    public static List<String> java() {
        return new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dfile.encoding=UTF-8", "-Dsun.jnu.encoding=UTF-8", "-jar", jar().toString()));
    }

    /** Starts {@code keepwatch args...} in the background. */
    public Process start(String name, String... args) throws IOException {
        List<String> cmd = java();
        cmd.addAll(List.of(args));
        return track(new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile()).start());
    }

    /** A process started otherwise, to be killed at {@link #close} too. */
    public Process track(Process p) {
        started.add(p);
        return p;
    }

    /** Runs {@code keepwatch args...} to its end; its exit code. */
    public int run(String name, String... args) throws IOException, InterruptedException {
        Process p = start(name, args);
        assertTrue(p.waitFor(deadline.toSeconds(), TimeUnit.SECONDS), name + " did not end within " + deadline.toSeconds() + " s");
        return p.exitValue();
    }

    /** A file of the working folder (a process's {@code NAME.out}, a log), or "" if it does not exist. */
    public String text(String file) throws IOException {
        Path p = dir.resolve(file);
        return Files.exists(p) ? Files.readString(p) : "";
    }

    /** Waits until {@code condition} holds while {@code p} runs, then kills it with SIGKILL; false if it ended first. */
    public boolean killWhen(Process p, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (p.isAlive() && !condition.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(5); // the poll interval of a loop bounded by the deadline above
        }
        if (!p.isAlive()) {
            return false;
        }
        p.destroyForcibly();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return true;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }
}
