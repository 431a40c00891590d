package io.keepwatch.cli;

import io.keepwatch.config.Config;
import io.keepwatch.engine.Engine;
import io.keepwatch.engine.PassResult;
import io.keepwatch.engine.ScanAhead;
import io.keepwatch.fs.RealFs;
import io.keepwatch.events.Listeners;
import io.keepwatch.web.StatusPage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code keepwatch once}: one full backup pass over every source, then exit. */
@Command(name = "once", mixinStandardHelpOptions = true,
        description = "Back up every source once: copy new files, keep old versions and deleted files, apply retention.")
final class OnceCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--rehash", description = "read and hash every file, even those whose size, mtime and inode did not change")
    boolean rehash;

    @Option(names = "--accept-empty", paramLabel = "SOURCE", split = ",",
            description = "accept that SOURCE is now empty and move its backed-up files to _deleted/ (normally an empty source is taken as unmounted)")
    List<String> acceptEmpty = List.of();

    @Option(names = "--accept-deletions", paramLabel = "SOURCE", split = ",",
            description = "let this pass move to _deleted/ everything gone from SOURCE, even more than the deletion guard allows "
                    + "(deletion_guard)")
    List<String> acceptDeletions = List.of();

    @Option(names = "--accept-retention",
            description = "apply a changed retention policy even if it removes more than half of all old versions at once")
    boolean acceptRetention;

    @Option(names = "--metrics-textfile", paramLabel = "PATH",
            description = "after the pass, write its Prometheus metrics to PATH (atomically: for node_exporter's textfile collector)")
    Path metricsTextfile;

    @Override
    public Integer call() throws Exception {
        Optional<String> orphan = FirstBackupJit.followParent();
        if (orphan.isPresent()) {
            throw new IllegalStateException(orphan.get() + "; stopping before doing anything");
        }
        Config cfg = config.loadLogged();
        Optional<Integer> firstBackup = FirstBackupJit.relaunchIfFirstBackup(cfg.backupRoot());
        if (firstBackup.isPresent()) {
            return firstBackup.get();
        }
        for (String name : acceptEmpty) {
            cfg.source(name);
        }
        for (String name : acceptDeletions) {
            cfg.source(name);
        }
        RealFs fs = RealFs.forFileSystem(cfg.backupRoot().getFileSystem());
        // The scans only read the sources, and log nothing: they start first, and run while logging is set up and
        // the backup root's lock is taken. SLF4J is then bound here, on this thread, before anything else logs.
        ScanAhead scans = ScanAhead.start(cfg, fs);
        try {
            LogSetup.bind();
            LogSetup.toFile(cfg.logDir());
        } catch (IOException | RuntimeException e) {
            scans.close();
            throw e;
        }
        Logger log = LoggerFactory.getLogger(OnceCommand.class);
        log.info("keepwatch once: {} source(s) into {}", cfg.sources().size(), cfg.backupRoot());
        Set<String> accept = new LinkedHashSet<>(acceptEmpty);
        Optional<StatusPage> metrics = Optional.ofNullable(metricsTextfile).map(f -> StatusPage.forOnce(cfg, Clock.systemDefaultZone()));
        try (Listening listening = new Listening(cfg, Clock.systemDefaultZone(), java.time.Duration.ofSeconds(90), true)) {
            PassResult result = Engine.runOnce(cfg, fs, Clock.systemDefaultZone(), ConsoleProgress.create(),
                    new Engine.PassOptions(rehash, accept, new LinkedHashSet<>(acceptDeletions), acceptRetention), scans,
                    metrics.isEmpty() ? listening.listener() : Listeners.of(listening.listener(), metrics.get().listener()));
            log.info(result.summaryLine());
            if (metrics.isPresent()) {
                try {
                    metrics.get().writeMetrics(metricsTextfile);
                    log.info("Metrics written to {}", metricsTextfile.toAbsolutePath());
                } catch (IOException e) {
                    log.error("Could not write the metrics to {}: {}", metricsTextfile.toAbsolutePath(), e.toString());
                }
            }
            return ExitCodes.forPass(result, cfg.sources().size());
        }
    }
}
