package io.keepwatch.cli;

import io.keepwatch.engine.Progress;
import java.io.PrintWriter;

/**
 * Progress as plain lines (for logs and pipes, where a bar would be a mess): one line as each phase begins,
 * one at each further tenth of it (or each 64 MiB when its size is not known), and one as it ends.
 */
final class LineProgress implements Progress {
    private static final long STEP_UNKNOWN = 64L << 20;
    private final PrintWriter err;
    private String phase;
    private long total;
    private long done;
    private long nextLine;

    LineProgress(PrintWriter err) {
        this.err = err;
    }

    /** A bar on a terminal, else plain lines on {@code err}. */
    static Progress create(PrintWriter err) {
        Progress bar = ConsoleProgress.create();
        return bar != Progress.NONE ? bar : new LineProgress(err);
    }

    @Override
    public synchronized void begin(String phase, long total) {
        end();
        this.phase = phase;
        this.total = total;
        this.done = 0;
        this.nextLine = step();
        err.println(phase + ": started" + (total > 0 ? " (" + BackupReader.bytes(total) + ")" : ""));
        err.flush();
    }

    private long step() {
        return total > 0 ? Math.max(1, total / 10) : STEP_UNKNOWN;
    }

    @Override
    public synchronized void advance(long units) {
        if (phase == null) {
            return;
        }
        done += units;
        if (done >= nextLine) {
            while (nextLine <= done) {
                nextLine += step();
            }
            err.println(phase + ": " + (total > 0 ? Math.min(100, done * 100 / total) + "% (" + BackupReader.bytes(done) + " of "
                    + BackupReader.bytes(total) + ")" : BackupReader.bytes(done)));
            err.flush();
        }
    }

    @Override
    public synchronized void end() {
        if (phase != null) {
            err.println(phase + ": done (" + BackupReader.bytes(done) + ")");
            err.flush();
            phase = null;
        }
    }
}
