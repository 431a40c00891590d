package io.keepwatch.execute;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/** Waiting for a set of I/O tasks; the first failure is rethrown as the IOException it was. */
public final class Parallel {
    private Parallel() {
    }

    /** The task's result; its IOException (of the same type, e.g. NoSuchFileException) is rethrown as is. */
    public static <T> T get(Future<T> future) throws IOException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for I/O");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof Error err) {
                throw err;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(c);
        }
    }

    /** A failure as one line: the exception kind, the path and the reason. */
    public static String reason(Throwable e) {
        if (e instanceof java.nio.file.FileSystemException f) {
            String r = f.getReason();
            return f.getClass().getSimpleName() + ": " + f.getFile() + (r == null ? "" : " (" + r + ")");
        }
        return e.toString();
    }

    public static void awaitAll(List<? extends Future<?>> futures) throws IOException {
        IOException first = null;
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(x -> x.cancel(true));
                throw new InterruptedIOException("interrupted while waiting for I/O");
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof Error err) {
                    throw err;
                }
                IOException io = c instanceof IOException i ? i : new IOException(c);
                if (first == null) {
                    first = io;
                } else {
                    first.addSuppressed(io);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
