package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.notify.Channel;
import io.keepwatch.notify.Notifier;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code keepwatch notify --test}: sends a test message through every configured channel and says how each went. */
@Command(name = "notify", mixinStandardHelpOptions = true,
        description = {"Send a test message through every channel configured in notify (email, webhook) and report each result.",
                "Exit 0: every channel accepted it; 1: a channel failed, or none is configured."})
final class NotifyCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Option(names = "--test", required = true, description = "send a test message (the only thing this command does)")
    boolean test;

    @Override
    public Integer call() throws Exception {
        Config cfg = config.load();
        PrintWriter out = spec.commandLine().getOut();
        List<Channel> channels = Notifier.channels(cfg.notifications(), System::getenv);
        if (channels.isEmpty()) {
            spec.commandLine().getErr().println("keepwatch: no notification channel is configured: add notify.email or "
                    + "notify.webhook to " + cfg.configFile());
            return ExitCodes.FAILURE;
        }
        int failed = 0;
        for (Notifier.Result r : Notifier.test(channels, Clock.systemUTC())) {
            if (r.error().isEmpty()) {
                out.println("sent: " + r.channel());
            } else {
                failed++;
                out.println("FAILED: " + r.channel() + ": " + r.error().get());
            }
        }
        out.flush();
        return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }

}
