package io.keepwatch.cli;

import io.keepwatch.state.BackupLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A first backup restarts itself with both JIT compilers. The shell launcher runs {@code once} on the C1 compiler
 * alone (with {@value #MARK}), which is what a short, incremental {@code once} wants (operations.md, "JIT"); a first
 * backup is the opposite: per-file work over the whole tree, where C2's code pays back its compiling many times (C's
 * million files: about 54 user CPU-s with both compilers against 66-73 with C1 alone, docs/benchmarks.md). So a
 * {@code once} that finds no state.json in the backup root, before it does anything else (no log, no lock, no scan),
 * runs the same command line without the two flags in a child JVM, waits for it and exits with its code. Its output
 * goes where this one's goes; a TERM or INT that ends this JVM ends the child first (a shutdown hook), and the child
 * asks the kernel for a TERM when this JVM ends in any other way (SIGKILL: {@link #followParent}).
 */
final class FirstBackupJit {
    /** The system property the launcher sets beside {@code -XX:TieredStopAtLevel=1} for {@code once}. */
    static final String MARK = "-Dkeepwatch.once.c1=true";
    static final String C1_ONLY = "-XX:TieredStopAtLevel=1";
    /** The system property that tells the child its parent's PID. */
    static final String PARENT = "keepwatch.once.parent";
    private static final Logger LOG = LoggerFactory.getLogger(FirstBackupJit.class);

    private FirstBackupJit() {
    }

    /**
     * Runs this command again with both compilers if the launcher started it on C1 alone and {@code backupRoot} holds
     * no state yet; returns the child's exit code, or empty where this JVM goes on itself.
     */
    static Optional<Integer> relaunchIfFirstBackup(Path backupRoot) throws IOException, InterruptedException {
        if (!Boolean.getBoolean("keepwatch.once.c1") || Files.exists(backupRoot.resolve(BackupLayout.STATE_FILE))) {
            return Optional.empty();
        }
        ProcessHandle.Info self = ProcessHandle.current().info();
        if (self.command().isEmpty() || self.arguments().isEmpty()) {
            LOG.debug("First backup on the C1 compiler alone: this JVM's command line cannot be read");
            return Optional.empty();
        }
        List<String> arguments = List.of(self.arguments().get());
        if (!onC1Alone(arguments)) {
            return Optional.empty(); // a -XX:TieredStopAtLevel of the user's came after the launcher's
        }
        List<String> command = withBothCompilers(self.command().get(), arguments, ProcessHandle.current().pid());
        Process child = new ProcessBuilder(command).inheritIO().start();
        Thread stop = new Thread(() -> {
            child.destroy();
            try {
                child.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "keepwatch-first-backup-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        int code = child.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException shuttingDown) {
            // A TERM or INT ended this JVM: the hook above has ended the child, and the JVM exits with the signal's code.
        }
        return Optional.of(code);
    }

    /** Whether the last {@code -XX:TieredStopAtLevel} among the JVM's options is the launcher's {@value #C1_ONLY}. */
    static boolean onC1Alone(List<String> arguments) {
        int jar = arguments.indexOf("-jar");
        String last = "";
        for (String a : jar < 0 ? arguments : arguments.subList(0, jar)) {
            if (a.startsWith("-XX:TieredStopAtLevel=")) {
                last = a;
            }
        }
        return last.equals(C1_ONLY);
    }

    /**
     * {@code java} and its arguments as they were, without the launcher's two C1 flags, and with {@value #PARENT}{@code
     * =parent} before {@code -jar}.
     */
    static List<String> withBothCompilers(String java, List<String> arguments, long parent) {
        List<String> command = new ArrayList<>(arguments.size() + 2);
        command.add(java);
        int jar = arguments.indexOf("-jar");
        for (int i = 0; i < arguments.size(); i++) {
            String a = arguments.get(i);
            boolean jvmOption = jar < 0 || i < jar;
            if (i == jar) {
                command.add("-D" + PARENT + "=" + parent);
            }
            if (!(jvmOption && (a.equals(MARK) || a.equals(C1_ONLY)))) {
                command.add(a);
            }
        }
        return command;
    }

    /**
     * In the child: asks the kernel for a TERM when the {@code once} that started it ends, however it ends (a SIGKILL
     * runs no shutdown hook); returns an error message where that parent has already gone, so the child stops before
     * doing anything. Nothing to do in a JVM the launcher started itself.
     */
    static Optional<String> followParent() {
        String parent = System.getProperty(PARENT);
        if (parent == null) {
            return Optional.empty();
        }
        Optional<String> why = io.keepwatch.fs.LinuxProcess.terminateWithParent();
        if (why.isPresent()) {
            LOG.debug("First backup's child JVM: {}", why.get());
        }
        boolean parentLives = ProcessHandle.current().parent().map(p -> String.valueOf(p.pid()).equals(parent)).orElse(false);
        return parentLives ? Optional.empty() : Optional.of("the keepwatch once that started this one (PID " + parent + ") has ended");
    }
}
