package io.keepwatch.cli;

import io.keepwatch.engine.Progress;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr when it is a terminal; nothing otherwise (pipes, services, CI). */
final class ConsoleProgress implements Progress {
    private ProgressBar bar;

    static Progress create() {
        return System.console() != null && System.getenv("JOURNAL_STREAM") == null ? new ConsoleProgress() : Progress.NONE;
    }

    @Override
    public synchronized void begin(String phase, long total) {
        end();
        bar = new ProgressBarBuilder().setTaskName(phase).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUnit(" MB", 1 << 20).showSpeed().setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                .build();
    }

    @Override
    public synchronized void advance(long units) {
        if (bar != null) {
            bar.stepBy(units);
        }
    }

    @Override
    public synchronized void end() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
