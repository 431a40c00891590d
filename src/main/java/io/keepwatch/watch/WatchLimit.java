package io.keepwatch.watch;

/** Recognises the OS refusing more watches, and says how to raise the limit. */
public final class WatchLimit {
    /** The JDK's message when inotify_add_watch fails with ENOSPC. */
    static final String LINUX_MESSAGE = "User limit of inotify watches reached";

    private WatchLimit() {
    }

    /** Whether {@code e} or one of its causes is the inotify watch limit. */
    public static boolean isLimit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.contains(LINUX_MESSAGE)) {
                return true;
            }
        }
        return false;
    }

    /** What to do about it, for the ERROR line. */
    public static String advice() {
        return "the limit is fs.inotify.max_user_watches (see /proc/sys/fs/inotify/max_user_watches); raise it with "
                + "`sysctl fs.inotify.max_user_watches=524288` and keep it across reboots with a file "
                + "/etc/sysctl.d/60-keepwatch.conf holding `fs.inotify.max_user_watches=524288`, then restart keepwatch";
    }
}
