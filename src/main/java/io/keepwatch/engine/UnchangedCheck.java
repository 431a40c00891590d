package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.Counts;
import io.keepwatch.execute.Parallel;
import io.keepwatch.guard.Guard;
import io.keepwatch.guard.SourceMarks;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.retention.SizeCaps;
import io.keepwatch.scan.Availability;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.Scanner;
import io.keepwatch.state.BackupLayout;
import io.keepwatch.state.MetadataIndex;
import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The no-change check of a full pass: whether the scans of every source match the state's metadata index
 * exactly (the same files with the same size, mtime, inode and permission bits, by their fingerprint; the
 * same device; nothing unreadable; the source folder and its mount points as the deletion guard knows them) and
 * retention has nothing to remove now (as the retention policy recorded in the index, asked once per pass, says:
 * {@link PolicyOutlook#idle}). Then the pass has nothing to do: the planner would call
 * every file unchanged (the same decision the engine makes when it trusts a stored hash), and state.json need
 * not be loaded. Any difference, or no current index, answers "load the state and run the pass".
 */
final class UnchangedCheck {
    private static final Logger log = LoggerFactory.getLogger(UnchangedCheck.class);

    private UnchangedCheck() {
    }

    /**
     * The scan of a source when everything but its files is as the index records it: the source is there on the same
     * device, the scan read everything, the deletion guard knows its folder and mount points as they are now and has no
     * request pending for it. Empty otherwise (a full pass then says what is different).
     */
    static Optional<ScanResult> asRecorded(SourceConfig source, MetadataIndex.SourceIndex recorded, Map<String, Scanner> scanners,
            Map<String, Future<ScanResult>> scans, Guard guard) throws IOException {
        String device = recorded.device();
        Availability availability = scanners.get(source.name()).probe(device.isEmpty() ? Optional.empty() : Optional.of(device));
        if (!(availability instanceof Availability.Available a) || !(a.device().isEmpty() || a.device().equals(device))) {
            return Optional.empty();
        }
        ScanResult scan;
        try {
            scan = Parallel.get(scans.get(source.name()));
        } catch (IOException e) {
            return Optional.empty(); // the pass meets the same failure and reports it
        }
        if (!scan.problems().isEmpty() || !scan.unknown().isEmpty()) {
            return Optional.empty();
        }
        // The deletion guard knows this source's folder and its mount points as they are now.
        Optional<SourceMarks> marks = guard.marks(source.name());
        if (marks.isEmpty() || !marks.get().root().equals(a.rootKey()) || !marks.get().devices().equals(scan.mounts())
                || guard.requests().pending(source.name())) {
            return Optional.empty();
        }
        return Optional.of(scan);
    }

    /** The counts of a pass that found nothing to do, or empty when the pass must run. */
    static Optional<Counts> run(Config config, Optional<MetadataIndex> index, Map<String, Scanner> scanners,
            Map<String, Future<ScanResult>> scans, Guard guard, PolicyOutlook retention, Optional<SizeCaps.Disk> disk,
            Instant now) throws IOException {
        if (index.isEmpty() || !index.get().hashAlgorithm().equals(config.hashAlgorithm().configName())
                || !retention.idle(index.get(), now, disk)) {
            return Optional.empty();
        }
        int unchanged = 0;
        for (SourceConfig source : config.sources()) {
            Optional<MetadataIndex.SourceIndex> recorded = index.get().source(source.name());
            if (recorded.isEmpty()) {
                return Optional.empty();
            }
            Optional<ScanResult> scan = asRecorded(source, recorded.get(), scanners, scans, guard);
            if (scan.isEmpty() || !recorded.get().sameFiles(scan.get().fingerprint())) {
                return Optional.empty();
            }
            unchanged += scan.get().files().size();
        }
        for (SourceConfig source : config.sources()) {
            ScanResult scan = Parallel.get(scans.get(source.name()));
            SourcePass.logSkipped(source.name(), scan);
            if (log.isDebugEnabled()) {
                scan.files().forEach(f -> log.debug("SKIP: {} (unchanged)", BackupLayout.resolve(source.path(), f.rel())));
            }
        }
        log.debug("No file changed since the last save of the state ({} files checked against its metadata index)", unchanged);
        return Optional.of(Counts.unchangedOnly(unchanged));
    }
}
