package io.keepwatch.restore;

import io.keepwatch.engine.Progress;

/**
 * Progress of a phase whose work starts before its total is known (verify hashes while it still lists the files):
 * what is done before {@link #begin} is reported right after it, so the count still ends at the total.
 */
final class LateProgress implements Progress {
    private final Progress progress;
    private boolean begun;
    private long early;

    LateProgress(Progress progress) {
        this.progress = progress;
    }

    @Override
    public synchronized void begin(String phase, long total) {
        progress.begin(phase, total);
        begun = true;
        if (early > 0) {
            progress.advance(early);
            early = 0;
        }
    }

    @Override
    public synchronized void advance(long units) {
        if (begun) {
            progress.advance(units);
        } else {
            early += units;
        }
    }

    @Override
    public synchronized void end() {
        progress.end();
    }
}
