package io.keepwatch.engine;

import io.keepwatch.config.Config;
import io.keepwatch.config.SourceConfig;
import io.keepwatch.events.EngineListener;
import io.keepwatch.execute.Tally;
import io.keepwatch.fs.Fs;
import io.keepwatch.retention.PolicyOutlook;
import io.keepwatch.retention.RetentionPolicy;
import io.keepwatch.retention.SizeCaps;
import io.keepwatch.scan.RunCut;
import io.keepwatch.scan.ScanResult;
import io.keepwatch.scan.ScannedFile;
import io.keepwatch.state.BackupState;
import io.keepwatch.state.FileRuns;
import io.keepwatch.state.Fingerprint;
import io.keepwatch.state.FolderSpan;
import io.keepwatch.state.LiveFile;
import io.keepwatch.state.MetadataIndex;
import io.keepwatch.state.PathHistory;
import io.keepwatch.state.StateException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code keepwatch once} when the metadata index shows that some files changed, but only in their content or metadata:
 * the scan of each source is fingerprinted run by run ({@link FileRuns}: the state's paths cut into runs of 128; the scan
 * is cut alike by {@link RunCut}, from the hashes it kept, with no record made but of the changed runs' files), the
 * runs whose fingerprint differs from the index's are the only ones loaded ({@code StateStore#loadPart}), and when in
 * them the same paths and empty folders are there as the state holds, and only some files' size, mtime, inode or
 * permission bits differ, the pass is the one the service makes over changed paths, over just those files. Everything
 * else a full pass would find is, by the index, as it was: files of other runs unchanged, no file gone or new, retention
 * due nowhere.
 *
 * <p>Anything else gives the full pass (empty result): a new, deleted or renamed file or folder (a new file may duplicate
 * any live file, a deletion is the deletion guard's to judge over the whole source), an empty folder made or filled,
 * retention due or a size cap near, a free-space rule, a changed or held retention policy, held deletions, a pass option,
 * a change log near its rewrite size, more than a quarter of a source's runs changed, a source without runs, and every
 * doubt about the index or the part of state.json it points to. Each of these is what {@link UnchangedCheck} also needs,
 * or a case where the full pass must see the whole state.
 */
final class ChangedPass {
    private static final Logger log = LoggerFactory.getLogger(ChangedPass.class);
    /** At most this share of a source's runs changed (1/4): beyond it, loading state.json whole costs about as much. */
    private static final int MAX_SHARE = 4;

    private ChangedPass() {
    }

    /**
     * What the pass does: the part of the state loaded, by source the runs it holds and the files to pass over, and
     * how many scanned files are not among them.
     */
    record Plan(MetadataIndex index, BackupState part, Map<String, BitSet> runs, Map<String, List<String>> rels, int unchanged) {
    }

    /** The plan of the pass, or empty when a full pass must run instead. Reads, changes nothing. */
    static Optional<Plan> plan(Config config, Fs fs, Clock clock, Engine.PassOptions options, RootSession session,
            Optional<MetadataIndex> found, PolicyOutlook retention) throws IOException {
        if (found.isEmpty() || options.rehash() || !options.acceptEmpty().isEmpty() || !options.acceptDeletions().isEmpty()
                || options.acceptRetention()) {
            return Optional.empty();
        }
        MetadataIndex index = found.get();
        if (!index.hashAlgorithm().equals(config.hashAlgorithm().configName()) || RetentionPass.disk(config).isPresent()
                || !retention.idle(index, clock.instant(), Optional.empty())
                || !AcceptedPolicy.read(session.layout(), fs).map(retention.policyKey()::equals).orElse(false)) {
            return Optional.empty();
        }
        Map<String, BitSet> runs = new LinkedHashMap<>();
        Map<String, Changed> cuts = new HashMap<>();
        Map<String, ScanResult> scans = new HashMap<>();
        int scanned = 0;
        for (SourceConfig source : config.sources()) {
            Optional<MetadataIndex.SourceIndex> recorded = index.source(source.name());
            if (recorded.isEmpty() || recorded.get().runs().list().isEmpty() || session.guard().holds().count(source.name()) > 0) {
                return Optional.empty();
            }
            Optional<ScanResult> scan = UnchangedCheck.asRecorded(source, recorded.get(), session.scanners(), session.prefetched(),
                    session.guard());
            if (scan.isEmpty()) {
                return Optional.empty();
            }
            FileRuns fileRuns = recorded.get().runs();
            Optional<Changed> changed = changedRuns(fileRuns, scan.get());
            if (changed.isEmpty() || changed.get().runs().cardinality() > Math.max(1, fileRuns.list().size() / MAX_SHARE)) {
                return Optional.empty();
            }
            if (!changed.get().runs().isEmpty()) {
                runs.put(source.name(), changed.get().runs());
                cuts.put(source.name(), changed.get());
            }
            scans.put(source.name(), scan.get());
            scanned += scan.get().files().size();
        }
        CommitPolicy commits = CommitPolicy.of(config);
        if (runs.isEmpty() || commits.logTooLarge(2 * session.store().changes().bytes(), index.stateFile().size())) {
            return Optional.empty();
        }
        Optional<BackupState> part = session.store().loadPart(index, runs);
        if (part.isEmpty()) {
            return Optional.empty();
        }
        Map<String, List<String>> rels = new LinkedHashMap<>();
        Map<String, SizeCaps.Held> held = new LinkedHashMap<>();
        int changedFiles = 0;
        long total = 0;
        for (SourceConfig source : config.sources()) {
            String name = source.name();
            total += index.source(name).orElseThrow().files();
            long newHistory = 0;
            if (runs.containsKey(name)) {
                List<String> changed = new ArrayList<>();
                Optional<Long> bytes = changedFiles(index.source(name).orElseThrow().runs(), cuts.get(name), scans.get(name),
                        part.get(), name, changed);
                if (bytes.isEmpty()) {
                    return Optional.empty();
                }
                newHistory = bytes.get();
                rels.put(name, changed);
                changedFiles += changed.size();
            }
            long versions = newHistory;
            long deleted = 0;
            for (PathHistory h : part.get().histories(name).values()) {
                versions += h.versions().stream().mapToLong(v -> v.size()).sum();
                deleted += h.deletions().stream().mapToLong(d -> d.size()).sum();
            }
            held.put(name, new SizeCaps.Held(versions, deleted));
        }
        // Within the size caps even if every changed file's old copy becomes a version; few enough changes that the
        // commit appends them (a state loaded in part is never written whole).
        if (changedFiles == 0 || commits.changesTooMany(changedFiles, total)
                || !RetentionPolicy.withinCaps(held, config::retention, config.rootCaps(), Optional.empty())) {
            return Optional.empty();
        }
        for (SourceConfig source : config.sources()) {
            SourcePass.logSkipped(source.name(), scans.get(source.name()));
        }
        return Optional.of(new Plan(index, part.get(), runs, rels, scanned - changedFiles));
    }

    /** Runs a {@link #plan} in the session (which the engine then owns: it is released when the pass ends). */
    static PassResult run(Plan plan, Config config, Fs fs, Clock clock, Progress progress, RootSession session,
            EngineListener events, Tally counts, long start) throws IOException, StateException {
        log.debug("{} file(s) changed in {} run(s) of the metadata index: only those runs of state.json loaded",
                plan.rels().values().stream().mapToInt(List::size).sum(), plan.runs().values().stream().mapToInt(BitSet::cardinality).sum());
        try (Engine engine = Engine.openPart(config, fs, clock, progress, events, session, plan.part())) {
            PassResult pass = engine.changedFiles(plan.rels(), plan.unchanged(), counts);
            engine.writePartIndex(plan.index(), plan.runs());
            return new PassResult(pass.counts(), pass.unavailable(), pass.problems(), Duration.ofNanos(System.nanoTime() - start),
                    pass.held(), pass.unavailableFolders());
        }
    }

    /** The scan of a source cut as the index cuts its state, and the runs whose fingerprint differs from the index's. */
    record Changed(RunCut cut, BitSet runs) {
    }

    /**
     * The runs whose fingerprint over the scan differs from the index's; empty if the scan's fingerprint, added up run by
     * run, is not the scan's own (it always is: a check of this code, not of the input).
     */
    static Optional<Changed> changedRuns(FileRuns runs, ScanResult scan) {
        int n = runs.list().size();
        RunCut cut = RunCut.of(scan.files(), runs.list().stream().map(FileRuns.Run::first).toList());
        Map<Integer, Fingerprint.Builder> folders = new HashMap<>();
        scan.emptyFolders().forEach((rel, perms) -> folders.computeIfAbsent(runs.runOf(rel), k -> new Fingerprint.Builder())
                .addEmptyFolder(rel, perms));
        BitSet changed = new BitSet(n);
        Fingerprint sum = Fingerprint.EMPTY;
        for (int k = 0; k < n; k++) {
            Fingerprint f = cut.print(k);
            Fingerprint.Builder empty = folders.get(k);
            if (empty != null) {
                f = f.plus(empty.build());
            }
            sum = sum.plus(f);
            if (!f.equals(runs.list().get(k).fingerprint())) {
                changed.set(k);
            }
        }
        return sum.equals(scan.fingerprint()) ? Optional.of(new Changed(cut, changed)) : Optional.empty();
    }

    /**
     * The files of the chosen runs whose metadata differs from the state's (added to {@code out}), and the bytes of their
     * current copies; empty unless the runs hold the same paths and the same empty folders in the scan as in the state.
     */
    private static Optional<Long> changedFiles(FileRuns runs, Changed changed, ScanResult scan, BackupState part, String source,
            List<String> out) {
        Map<String, LiveFile> live = part.liveFiles(source);
        BitSet chosen = changed.runs();
        int seen = 0;
        long bytes = 0;
        for (int run = chosen.nextSetBit(0); run >= 0; run = chosen.nextSetBit(run + 1)) {
            for (ScannedFile f : changed.cut().files(run)) {
                LiveFile l = live.get(f.rel());
                if (l == null) {
                    return Optional.empty(); // a new file
                }
                seen++;
                if (!l.sameMetadata(f.size(), f.mtime(), f.inode()) || !l.perms().equals(f.perms())) {
                    out.add(f.rel());
                    bytes += l.size();
                }
            }
        }
        if (seen != live.size()) {
            return Optional.empty(); // a file gone
        }
        Map<String, String> foundEmpty = new HashMap<>();
        scan.emptyFolders().forEach((rel, perms) -> {
            if (chosen.get(runs.runOf(rel))) {
                foundEmpty.put(rel, perms);
            }
        });
        Map<String, String> recordedEmpty = new HashMap<>();
        part.folders(source).forEach((rel, spans) -> {
            FolderSpan lastSpan = spans.get(spans.size() - 1);
            if (lastSpan.open() && chosen.get(runs.runOf(rel))) {
                recordedEmpty.put(rel, lastSpan.perms());
            }
        });
        return foundEmpty.equals(recordedEmpty) ? Optional.of(bytes) : Optional.empty();
    }
}
